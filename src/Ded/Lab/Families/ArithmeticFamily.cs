using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ded.Lab.Families;

/// <summary>Multi-step integer arithmetic: a start value and a chain of operations. Difficulty = number of operations.</summary>
internal sealed partial class ArithmeticFamily : ILabFamily
{
    public string Name => "arithmetic";
    public LabDomain Domain => LabDomain.Math;

    public string Generate(int difficulty, Random rng)
    {
        var text = new StringBuilder($"Start at {rng.Next(2, 10 + 5 * difficulty)}.");
        for (int i = 0; i < difficulty; i++)
        {
            string op = rng.Next(3) switch
            {
                0 => $"add {rng.Next(2, 6 + 4 * difficulty)}",
                1 => $"subtract {rng.Next(1, 6 + 3 * difficulty)}",
                _ => $"multiply by {rng.Next(2, 6)}",
            };
            text.Append(i == 0 ? " " : ", ").Append(i == 0 ? char.ToUpperInvariant(op[0]) + op[1..] : op);
        }
        return text.Append(". Result?").ToString();
    }

    public LabSolution? Solve(string question, Slip slip)
    {
        var m = Shape().Match(question);
        if (!m.Success) return null;
        long value = long.Parse(m.Groups["start"].Value, CultureInfo.InvariantCulture);
        var steps = new List<LabStep>();
        foreach (Match op in Operation().Matches(m.Groups["ops"].Value))
        {
            long operand = long.Parse(op.Groups["n"].Value, CultureInfo.InvariantCulture);
            (char sign, long exact) = op.Groups["op"].Value.ToLowerInvariant() switch
            {
                "add" => ('+', value + operand),
                "subtract" => ('-', value - operand),
                _ => ('*', value * operand),
            };
            long next = slip.Number(exact);
            steps.Add(new LabStep($"{value} {sign} {operand} = {next}", next.ToString(CultureInfo.InvariantCulture)));
            value = next;
        }
        return steps.Count == 0 ? null : new LabSolution(steps, value.ToString(CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^Start at (?<start>-?\d+)\. (?<ops>.+)\. Result\?$")]
    private static partial Regex Shape();

    [GeneratedRegex(@"(?<op>add|subtract|multiply by) (?<n>\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex Operation();
}
