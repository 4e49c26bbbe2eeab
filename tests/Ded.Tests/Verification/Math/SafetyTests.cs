using System.Diagnostics;
using System.Text;
using Ded.Verification.Math;
using Xunit;

namespace Ded.Tests.Verification.Math;

/// <summary>Fuzzing and concurrency: no exception escapes, no check runs past its budget, memory stays bounded, and
/// verdicts are identical from many threads.</summary>
[Collection(Support.MeasuredAlone.Name)] // the heap and the time budget are process-wide figures
public sealed class SafetyTests
{
    private const int FuzzChecks = 100_000;
    private static readonly string[] Atoms =
    [
        "\\frac{", "}{", "}", "{", "\\sqrt[", "]", "\\sqrt{", "^", "_", "(", ")", "[", "]", "\\{", "\\}", "\\left(", "\\right)",
        ",", ";", "=", "<", "\\leq", "\\pm", "+", "-", "*", "/", "\\cdot", "!", "|", "\\infty", "\\pi", "e", "i", "x", "y",
        "\\sin", "\\log_", "\\ln", "0", "1", "2", "9", "12", "3.5", ".", "%", "\\%", "$", "$$", "\\boxed{", "\\text{", "and",
        " ", "\\\\", "&", "\\begin{pmatrix}", "\\end{pmatrix}", "\\cup", "\\in", "\\dfrac", "10^{", "99999", "!",
        "<think>", "</think>", "\\approx", "\\$", "{,}", "\\!", "'", "\\mathrm{", "\\binom{",
    ];

    [SkippableFact]
    public void Fuzzed_latex_never_throws_or_overruns_the_budget()
    {
        var rng = new Random(4242);
        var seeds = Math500Seeds();
        var options = MathVerifyOptions.Default with { Timeout = TimeSpan.FromMilliseconds(100) };
        // why: the machine is shared by several builds; slack covers a descheduled thread, not a hang.
        var limit = options.Timeout + TimeSpan.FromMilliseconds(400);
        var before = GC.GetTotalMemory(true);
        var worst = TimeSpan.Zero;
        for (var i = 0; i < FuzzChecks; i++)
        {
            var gold = i % 3 == 0 ? Random(rng, 12) : Mutate(rng, seeds[rng.Next(seeds.Count)]);
            var pred = i % 1000 == 7 ? Adversarial(rng) : i % 2 == 0 ? Random(rng, 20) : Mutate(rng, seeds[rng.Next(seeds.Count)]);
            var sw = Stopwatch.StartNew();
            var verdict = MathVerifier.Verify(gold, pred, options);
            sw.Stop();
            if (sw.Elapsed >= limit)
            {
                // A descheduled thread (a loaded CI box) does not repeat; a real overrun does: time the same check again.
                sw.Restart();
                verdict = MathVerifier.Verify(gold, pred, options);
                sw.Stop();
            }
            if (sw.Elapsed > worst) worst = sw.Elapsed;
            Assert.True(sw.Elapsed < limit, $"check {i} took {sw.Elapsed.TotalMilliseconds} ms twice: [{gold}] vs [{pred}] ({verdict.Status})");
        }
        var growth = GC.GetTotalMemory(true) - before;
        Assert.True(growth < 64L << 20, $"memory grew by {growth >> 20} MiB");
    }

    [SkippableFact]
    public void Verdicts_are_identical_from_many_threads()
    {
        var cases = MathVerifyCase.Load();
        var expected = cases.Select(c => MathVerifier.Verify(c.Gold, c.Pred, c.Options)).ToArray();
        var results = new MathVerdict[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            var order = Enumerable.Range(0, cases.Count).OrderBy(i => (i * 7919 + t * 104729) % cases.Count).ToArray();
            var mine = new MathVerdict[cases.Count];
            foreach (var i in order) mine[i] = MathVerifier.Verify(cases[i].Gold, cases[i].Pred, cases[i].Options);
            results[t] = mine;
        });
        foreach (var r in results) Assert.Equal(expected, r);
    }

    private static List<string> Math500Seeds() =>
        MathVerifyCase.Load().SelectMany(c => new[] { c.Gold, c.Pred }).Where(s => s.Length < 400).ToList();

    private static string Random(Random rng, int maxAtoms)
    {
        var sb = new StringBuilder();
        var n = rng.Next(1, maxAtoms);
        for (var i = 0; i < n; i++) sb.Append(Atoms[rng.Next(Atoms.Length)]);
        return sb.ToString();
    }

    private static string Mutate(Random rng, string s)
    {
        var sb = new StringBuilder(s);
        var edits = rng.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            var at = sb.Length == 0 ? 0 : rng.Next(sb.Length);
            switch (rng.Next(3))
            {
                case 0: sb.Insert(at, Atoms[rng.Next(Atoms.Length)]); break;
                case 1: if (sb.Length > 0) sb.Remove(at, System.Math.Min(sb.Length - at, rng.Next(1, 4))); break;
                default: if (sb.Length > 0) sb[at] = (char)rng.Next(32, 127); break;
            }
        }
        return sb.ToString();
    }

    private static string Adversarial(Random rng) => rng.Next(8) switch
    {
        0 => "\\boxed{" + string.Concat(Enumerable.Repeat("2^{", 50)) + "9" + new string('}', 50) + "}",
        1 => "\\boxed{" + string.Concat(Enumerable.Repeat("(", 3000)) + "1" + new string(')', 3000) + "}",
        2 => "$" + new string('9', 5000) + "!!!$",
        3 => "\\boxed{(x+y+z+1)^{1000}}",
        4 => string.Concat(Enumerable.Repeat("\\boxed{1} and ", 2000)),
        5 => "\\boxed{" + string.Join("+", Enumerable.Range(0, 3000).Select(i => "x^" + i)) + "}",
        6 => "\\boxed{\\frac{" + string.Concat(Enumerable.Repeat("\\frac{1}{", 200)) + "1" + new string('}', 200) + "}{3}}",
        _ => new string('{', 100_000),
    };
}
