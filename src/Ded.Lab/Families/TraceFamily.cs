using System.Globalization;
using System.Text.RegularExpressions;

namespace Ded.Lab.Families;

/// <summary>
/// Code-like: trace a tiny Python loop and report what it prints. Difficulty = loop iterations (plus one).
/// </summary>
internal sealed partial class TraceFamily : ILabFamily
{
    private static readonly string[] Bodies =
    [
        "x = x + i", "x = x + 2 * i", "x = x + i + {k}", "x = x - i + {k}", "x = x + {k} * i", "x = x + {k}",
        "x = x * 2 + i", "x = x * 2 - i",
    ];
    private const int SlowBodies = 6; // the first six grow linearly; doubling bodies only on short loops

    public string Name => "trace";
    public LabDomain Domain => LabDomain.Code;

    public string Generate(int difficulty, Random rng)
    {
        int start = rng.Next(0, 10), iterations = Math.Clamp(difficulty + 1, 2, 7);
        // Doubling bodies only on short loops: values stay within three digits.
        string body = Bodies[rng.Next(iterations <= 4 ? Bodies.Length : SlowBodies)].Replace("{k}", rng.Next(1, 10).ToString(CultureInfo.InvariantCulture));
        int from = rng.Next(0, 4);
        string range = from == 0 ? $"{iterations}" : $"{from}, {from + iterations}";
        return $"What does this print?\nx = {start}\nfor i in range({range}):\n    {body}\nprint(x)";
    }

    public LabSolution? Solve(string question, Slip slip)
    {
        var m = Shape().Match(question);
        if (!m.Success) return null;
        long x = long.Parse(m.Groups["start"].Value, CultureInfo.InvariantCulture);
        int from = m.Groups["from"].Success ? int.Parse(m.Groups["from"].Value, CultureInfo.InvariantCulture) : 0;
        int to = int.Parse(m.Groups["to"].Value, CultureInfo.InvariantCulture);
        string body = m.Groups["body"].Value;
        var steps = new List<LabStep>();
        for (int i = from; i < to; i++)
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

    [GeneratedRegex(@"^What does this print\?\nx = (?<start>-?\d+)\nfor i in range\((?:(?<from>\d+), )?(?<to>\d+)\):\n    x = (?<body>[^\n]+)\nprint\(x\)$")]
    private static partial Regex Shape();
}
