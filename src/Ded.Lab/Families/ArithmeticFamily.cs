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
        // Values stay in 0..99 so that every step is a fact a tiny student can learn; difficulty is the chain length.
        long value = rng.Next(1, 10 + 2 * difficulty);
        var text = new StringBuilder($"Start at {value}.");
        for (int i = 0; i < difficulty; i++)
        {
            int kind = rng.Next(3);
            if (kind == 2 && value * 2 > 99) kind = 1;
            if (kind == 1 && value < 2) kind = 0;
            string op;
            if (kind == 0) { int n = rng.Next(1, 10); value += n; op = $"add {n}"; }
            else if (kind == 1) { int n = rng.Next(1, (int)Math.Min(9, value) + 1); value -= n; op = $"subtract {n}"; }
            else { int n = value * 3 <= 99 ? rng.Next(2, 4) : 2; value *= n; op = $"multiply by {n}"; }
            text.Append(i == 0 ? " " : ", ").Append(i == 0 ? char.ToUpperInvariant(op[0]) + op[1..] : op);
        }
        return text.Append(". Result?").ToString();
    }

    public LabSolution? Solve(string question, Slip slip, LabGranularity granularity)
    {
        var m = Shape().Match(question);
        if (!m.Success) return null;
        long value = long.Parse(m.Groups["start"].Value, CultureInfo.InvariantCulture);
        var steps = new List<LabStep>();
        foreach (Match op in Operation().Matches(m.Groups["ops"].Value))
        {
            long operand = long.Parse(op.Groups["n"].Value, CultureInfo.InvariantCulture);
            char sign = op.Groups["op"].Value.ToLowerInvariant() switch { "add" => '+', "subtract" => '-', _ => '*' };
            var (text, next) = granularity == LabGranularity.Fine ? FineStep(value, sign, operand, slip) : PlainStep(value, sign, operand, slip);
            steps.Add(new LabStep(text, next.ToString(CultureInfo.InvariantCulture)));
            value = next;
        }
        return steps.Count == 0 ? null : new LabSolution(steps, value.ToString(CultureInfo.InvariantCulture));
    }

    private static (string Text, long Next) PlainStep(long value, char sign, long operand, Slip slip)
    {
        long next = sign == '*' ? slip.Number(value * operand) : slip.Sum(value, sign == '+' ? operand : -operand);
        return ($"{value} {sign} {operand} = {next}", next);
    }

    /// <summary>Through the nearest ten for a sum or difference that crosses one, by tens and ones for a product.</summary>
    private static (string Text, long Next) FineStep(long value, char sign, long operand, Slip slip)
    {
        if (sign == '*' && value >= 10)
        {
            long tens = slip.Number(value / 10 * 10 * operand), ones = slip.Number(value % 10 * operand);
            long product = slip.Number(tens + ones);
            return ($"{value} * {operand} = {tens} + {ones} = {product}", product);
        }
        long exact = Apply(value, sign, operand);
        long ten = sign == '+' ? (value / 10 + 1) * 10 : value / 10 * 10;
        bool crosses = sign == '+' ? exact > ten : exact < ten && value != ten;
        if (sign == '*' || !crosses) return PlainStep(value, sign, operand, slip);
        long rest = slip.Number(Math.Abs(exact - ten));
        long next = slip.Number(sign == '+' ? ten + rest : ten - rest);
        return ($"{value} {sign} {operand} = {ten} {sign} {rest} = {next}", next);
    }

    private static long Apply(long value, char sign, long operand) => sign switch { '+' => value + operand, '-' => value - operand, _ => value * operand };

    [GeneratedRegex(@"^Start at (?<start>-?\d+)\. (?<ops>.+)\. Result\?$")]
    private static partial Regex Shape();

    [GeneratedRegex(@"(?<op>add|subtract|multiply by) (?<n>\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex Operation();
}
