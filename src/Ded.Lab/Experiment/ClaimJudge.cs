using Ded.Evaluation;
using Ded.Reports;

namespace Ded.Lab.Experiment;

/// <summary>
/// Sets the paper's claims against what the lab measured. A claim about a difference is supported when the 95%
/// interval of that difference lies on the claimed side of zero, contradicted when it lies on the other side, and
/// inconclusive otherwise: on a few dozen questions a point or two is noise (DED.md).
/// </summary>
internal static class ClaimJudge
{
    /// <summary>
    /// The interval of a − b, in-domain or out-of-domain, resampling seeds and questions together (seeds are paired:
    /// seed s of a against seed s of b, on the same questions; questions redrawn within their family).
    /// </summary>
    public static Score Difference(ConditionRun a, ConditionRun b, bool inDomain = true)
    {
        var (x, y) = inDomain ? (a.InDomainPerSeed, b.InDomainPerSeed) : (a.OutOfDomainPerSeed, b.OutOfDomainPerSeed);
        if (x.Count != y.Count) throw new ArgumentException($"paired scores differ in seeds ({a.Corpus.Name}: {x.Count}, {b.Corpus.Name}: {y.Count})");
        var diff = x.Zip(y, (p, q) => (IReadOnlyList<double>)p.Zip(q, (u, v) => u - v).ToArray()).ToArray();
        return Statistics.BootstrapOverSeedsAndQuestions(diff, new BootstrapOptions { Seed = 1 },
            inDomain ? a.Pools.InDomainStrata : a.Pools.OutOfDomainStrata);
    }

    /// <summary>Verdict on "a is better than b".</summary>
    public static ClaimVerdict Better(Score d) =>
        d.Low > 0 ? ClaimVerdict.Supported : d.High < 0 ? ClaimVerdict.Contradicted : ClaimVerdict.Inconclusive;

    /// <summary>Verdict on "a is no worse than b" by more than <paramref name="margin"/>.</summary>
    public static ClaimVerdict NoWorse(Score d, double margin) =>
        d.Low > -margin ? ClaimVerdict.Supported : d.High < -margin ? ClaimVerdict.Contradicted : ClaimVerdict.Inconclusive;

    /// <summary>Verdict on "a and b are about the same": the whole interval within ±margin.</summary>
    public static ClaimVerdict Similar(Score d, double margin) =>
        d.Low > -margin && d.High < margin ? ClaimVerdict.Supported
        : d.Low > margin || d.High < -margin ? ClaimVerdict.Contradicted
        : ClaimVerdict.Inconclusive;

    public static string Describe(Score d) => $"{d.Mean:+0.000;-0.000} [{d.Low:+0.000;-0.000}, {d.High:+0.000;-0.000}]";
}
