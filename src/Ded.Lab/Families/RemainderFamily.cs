using System.Globalization;
using System.Text.RegularExpressions;

namespace Ded.Lab.Families;

/// <summary>Remainders: n mod m for a single-digit m. Difficulty = digits of n (at least two).</summary>
internal sealed partial class RemainderFamily : ILabFamily
{
    public string Name => "remainder";
    public LabDomain Domain => LabDomain.Math;

    public string Generate(int difficulty, Random rng)
    {
        // Difficulty 1-2: two-digit n; each further level adds a digit. Divisors stay single-digit.
        int digits = Math.Clamp(difficulty, 2, 6);
        long n = rng.NextInt64((long)Math.Pow(10, digits - 1), (long)Math.Pow(10, digits));
        int m = rng.Next(3, 10);
        return $"Remainder of {n} divided by {m}?";
    }

    public LabSolution? Solve(string question, Slip slip, LabGranularity granularity)
    {
        var match = Shape().Match(question);
        if (!match.Success) return null;
        long n = long.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        long m = long.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture);
        return granularity == LabGranularity.Fine ? LongDivision(match.Groups["n"].Value, m, slip) : OneDivision(n, m, slip);
    }

    /// <summary>The whole division at once: a multi-digit quotient is a fact only for small n.</summary>
    private static LabSolution OneDivision(long n, long m, Slip slip)
    {
        long q = slip.Number(n / m);
        long product = slip.Number(q * m);
        long r = slip.Sum(n, -product);
        return new LabSolution(
            [new($"{n} / {m} = {q} r", $"{q}"), new($"{q} * {m} = {product}", $"{product}"), new($"{n} - {product} = {r}", $"{r}")],
            r.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Digit by digit: each step is a two-digit number mod m, whatever the length of n.</summary>
    private static LabSolution LongDivision(string digits, long m, Slip slip)
    {
        var steps = new List<LabStep>();
        long r = 0;
        foreach (char d in digits)
        {
            long v = 10 * r + (d - '0');
            r = slip.Number(v % m);
            steps.Add(new LabStep($"{v} % {m} = {r}", $"{r}"));
        }
        return new LabSolution(steps, r.ToString(CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^Remainder of (?<n>\d+) divided by (?<m>\d+)\?$")]
    private static partial Regex Shape();
}
