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

    public LabSolution? Solve(string question, Slip slip, LabGranularity granularity)
    {
        var m = Shape().Match(question);
        if (!m.Success) return null;
        long x = long.Parse(m.Groups["start"].Value, CultureInfo.InvariantCulture);
        int from = m.Groups["from"].Success ? int.Parse(m.Groups["from"].Value, CultureInfo.InvariantCulture) : 0;
        int to = int.Parse(m.Groups["to"].Value, CultureInfo.InvariantCulture);
        string body = m.Groups["body"].Value;
        bool isFine = granularity == LabGranularity.Fine;
        var steps = new List<LabStep>();
        for (int i = from; i < to; i++)
        {
            string expression = body.Replace("x", x.ToString(CultureInfo.InvariantCulture)).Replace("i", i.ToString(CultureInfo.InvariantCulture));
            // Plain: the expression, then its value (one chance to slip); fine: every partial value in between.
            var stages = Reduce(expression.Split(' ').ToList(), slip, isFine);
            long value = long.Parse(stages[^1], CultureInfo.InvariantCulture);
            x = isFine ? value : slip.Number(value);
            var shown = isFine ? stages.SkipLast(1) : stages.Take(1);
            steps.Add(new LabStep($"i={i}: x = {string.Join(" = ", shown)} = {x}", x.ToString(CultureInfo.InvariantCulture)));
        }
        return new LabSolution(steps, x.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>"a op b op c" one operation at a time, * before + and - (all the bodies use): every stage, the
    /// expression first and the value last. Every sum goes through the solver's carry habit; with
    /// <paramref name="chanceSlips"/>, each partial value also through its chance slips (plain steps slip once, on
    /// the whole expression's value).</summary>
    private static List<string> Reduce(List<string> tokens, Slip slip, bool chanceSlips)
    {
        var stages = new List<string> { string.Join(' ', tokens) };
        while (tokens.Count > 1)
        {
            int op = tokens.IndexOf("*") is int star and > 0 ? star : 1;
            long a = long.Parse(tokens[op - 1], CultureInfo.InvariantCulture), b = long.Parse(tokens[op + 1], CultureInfo.InvariantCulture);
            long exact = tokens[op] switch { "*" => a * b, "-" => slip.Carry(a, -b), _ => slip.Carry(a, b) };
            long value = chanceSlips ? slip.Number(exact) : exact;
            tokens.RemoveRange(op - 1, 3);
            tokens.Insert(op - 1, value.ToString(CultureInfo.InvariantCulture));
            stages.Add(string.Join(' ', tokens));
        }
        return stages;
    }

    [GeneratedRegex(@"^What does this print\?\nx = (?<start>-?\d+)\nfor i in range\((?:(?<from>\d+), )?(?<to>\d+)\):\n    x = (?<body>[^\n]+)\nprint\(x\)$")]
    private static partial Regex Shape();
}
