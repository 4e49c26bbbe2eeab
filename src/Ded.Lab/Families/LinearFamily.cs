using System.Globalization;
using System.Text.RegularExpressions;

namespace Ded.Lab.Families;

/// <summary>
/// Linear equations in x with an integer root. Difficulty 1: x + b = c; 2: ax + b = c; 3: ax + b = cx + d;
/// 4 and up: a(x + b) = c with larger numbers.
/// </summary>
internal sealed partial class LinearFamily : ILabFamily
{
    public string Name => "linear";
    public LabDomain Domain => LabDomain.Math;

    public string Generate(int difficulty, Random rng)
    {
        // Small coefficients and roots keep every step a one- or two-digit fact.
        int x = difficulty >= 3 ? rng.Next(-5, 10) : rng.Next(1, 10);
        int a = rng.Next(2, 4 + difficulty / 2), b = NonZero(rng, 3 + 2 * difficulty), c = rng.Next(1, a);
        string equation = Math.Min(difficulty, 4) switch
        {
            1 => $"x {Term(b)} = {x + b}",
            2 => $"{a}x {Term(b)} = {a * x + b}",
            3 => $"{a}x {Term(b)} = {Coefficient(c)}x {Term(a * x + b - c * x)}",
            _ => $"{a}(x {Term(b)}) = {a * (x + b)}",
        };
        return $"Solve for x: {equation}";
    }

    public LabSolution? Solve(string question, Slip slip, LabGranularity granularity)
    {
        if (OneSide().Match(question) is { Success: true } m1) return SolveOneSide(m1, slip);
        if (TwoSides().Match(question) is { Success: true } m2) return SolveTwoSides(m2, slip, granularity);
        if (Bracket().Match(question) is { Success: true } m3) return SolveBracket(m3, slip);
        return null;
    }

    private static LabSolution SolveOneSide(Match m, Slip slip)
    {
        long a = Coef(m.Groups["a"].Value), b = Signed(m, "bs", "b"), c = long.Parse(m.Groups["c"].Value, CultureInfo.InvariantCulture);
        var steps = new List<LabStep>();
        long ax = slip.Sum(c, -b);
        steps.Add(new LabStep($"{Coefficient(a)}x = {c} {Term(-b)} = {ax}", $"{ax}"));
        long x = ax;
        if (a != 1)
        {
            x = slip.Number(ax / a);
            steps.Add(new LabStep($"x = {ax} / {a} = {x}", $"{x}"));
        }
        return new LabSolution(steps, $"{x}");
    }

    private static LabSolution SolveTwoSides(Match m, Slip slip, LabGranularity granularity)
    {
        long a = Coef(m.Groups["a"].Value), b = Signed(m, "bs", "b");
        long c = Coef(m.Groups["c"].Value), d = Signed(m, "ds", "d");
        long k = slip.Sum(a, -c), r = slip.Sum(d, -b);
        // Plain gathers both sides in one line; fine works out the x side and the number side apart.
        var steps = granularity == LabGranularity.Fine
            ? new List<LabStep> { new($"{Coefficient(a)}x - {Coefficient(c)}x = {Coefficient(k)}x", $"{k}"), new($"{d} {Term(-b)} = {r}", $"{r}") }
            : [new($"{Coefficient(a)}x - {Coefficient(c)}x = {d} {Term(-b)}", ""), new($"{Coefficient(k)}x = {r}", $"{r}")];
        long x = k == 0 ? 0 : slip.Number(r / k);
        if (k != 1) steps.Add(new LabStep($"x = {r} / {k} = {x}", $"{x}"));
        return new LabSolution(steps, $"{x}");
    }

    private static LabSolution SolveBracket(Match m, Slip slip)
    {
        long a = long.Parse(m.Groups["a"].Value, CultureInfo.InvariantCulture), b = Signed(m, "bs", "b");
        long c = long.Parse(m.Groups["c"].Value, CultureInfo.InvariantCulture);
        long inner = slip.Number(c / a);
        long x = slip.Sum(inner, -b);
        return new LabSolution([new($"x {Term(b)} = {c} / {a} = {inner}", $"{inner}"), new($"x = {inner} {Term(-b)} = {x}", $"{x}")], $"{x}");
    }

    private static int NonZero(Random rng, int max) => rng.Next(1, max + 1) * (rng.Next(2) == 0 ? 1 : -1);
    private static string Term(long v) => v < 0 ? $"- {-v}" : $"+ {v}";
    private static string Coefficient(long a) => a == 1 ? "" : a.ToString(CultureInfo.InvariantCulture);
    private static long Coef(string s) => s.Length == 0 ? 1 : long.Parse(s, CultureInfo.InvariantCulture);
    private static long Signed(Match m, string sign, string digits) =>
        (m.Groups[sign].Value == "-" ? -1 : 1) * long.Parse(m.Groups[digits].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Solve for x: (?<a>\d*)x (?<bs>[+-]) (?<b>\d+) = (?<c>-?\d+)$")]
    private static partial Regex OneSide();

    [GeneratedRegex(@"^Solve for x: (?<a>\d*)x (?<bs>[+-]) (?<b>\d+) = (?<c>\d*)x (?<ds>[+-]) (?<d>\d+)$")]
    private static partial Regex TwoSides();

    [GeneratedRegex(@"^Solve for x: (?<a>\d+)\(x (?<bs>[+-]) (?<b>\d+)\) = (?<c>-?\d+)$")]
    private static partial Regex Bracket();
}
