using System.Globalization;
using System.Text.RegularExpressions;

namespace Ded.Lab.Families;

/// <summary>
/// Code-like: trace a tiny Python loop and report what it prints. Difficulty = loop iterations (plus one).
/// </summary>
internal sealed partial class TraceFamily : ILabFamily
{
    private static readonly string[] Bodies = ["x = x + i", "x = x * 2 + i", "x = x + 2 * i", "x = x * 2 - i", "x = x + i + {k}"];

    public string Name => "trace";
    public LabDomain Domain => LabDomain.Code;

    public string Generate(int difficulty, Random rng)
    {
        int start = rng.Next(0, 10), iterations = Math.Clamp(difficulty + 1, 2, 7);
        string body = Bodies[rng.Next(Bodies.Length)].Replace("{k}", rng.Next(1, 6).ToString(CultureInfo.InvariantCulture));
        return $"What does this print?\nx = {start}\nfor i in range({iterations}):\n    {body}\nprint(x)";
    }

    public LabSolution? Solve(string question, Slip slip)
    {
        var m = Shape().Match(question);
        if (!m.Success) return null;
        long x = long.Parse(m.Groups["start"].Value, CultureInfo.InvariantCulture);
        int iterations = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        string body = m.Groups["body"].Value;
        var steps = new List<LabStep>();
        for (int i = 0; i < iterations; i++)
        {
            string expression = body.Replace("x", x.ToString(CultureInfo.InvariantCulture)).Replace("i", i.ToString(CultureInfo.InvariantCulture));
            x = slip.Number(Evaluate(expression));
            steps.Add(new LabStep($"i={i}: x = {expression} = {x}", x.ToString(CultureInfo.InvariantCulture)));
        }
        return new LabSolution(steps, x.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Evaluates "a op b op c" with * before + and -, which is all the bodies use.</summary>
    private static long Evaluate(string expression)
    {
        var tokens = expression.Split(' ');
        var terms = new List<long>();
        var signs = new List<int> { 1 };
        long current = long.Parse(tokens[0], CultureInfo.InvariantCulture);
        for (int t = 1; t < tokens.Length; t += 2)
        {
            long operand = long.Parse(tokens[t + 1], CultureInfo.InvariantCulture);
            if (tokens[t] == "*") { current *= operand; continue; }
            terms.Add(current);
            signs.Add(tokens[t] == "-" ? -1 : 1);
            current = operand;
        }
        terms.Add(current);
        long sum = 0;
        for (int k = 0; k < terms.Count; k++) sum += signs[k] * terms[k];
        return sum;
    }

    [GeneratedRegex(@"^What does this print\?\nx = (?<start>-?\d+)\nfor i in range\((?<n>\d+)\):\n    x = (?<body>[^\n]+)\nprint\(x\)$")]
    private static partial Regex Shape();
}
