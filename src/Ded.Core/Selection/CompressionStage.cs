using Ded.Data;
using Ded.Runs;
using Ded.Verification;

namespace Ded.Selection;

/// <summary>Estimates how often the student already solves a question (<see cref="StudentPassRates"/>: the recipe's student and verifier).</summary>
public interface IPassRateEstimator
{
    /// <summary>The fraction of <paramref name="k"/> student samples that answer correctly, with the verdicts behind it.</summary>
    ValueTask<PassRate> EstimatePassRateAsync(Question question, int k, CancellationToken cancellationToken);
}

/// <summary>A pass rate in [0, 1] and what it rests on: the verifier and its verdicts by kind (empty when not known).</summary>
public sealed record PassRate(double Rate, string? Verifier = null, IReadOnlyDictionary<VerdictKind, int>? Verdicts = null, int Truncated = 0)
{
    public static PassRate Of(string verifier, IReadOnlyList<VerdictKind> kinds, int truncated) => new(
        kinds.Count(k => k == VerdictKind.Correct) / (double)kinds.Count, verifier,
        kinds.GroupBy(k => k).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()), truncated);

    /// <summary>"; math: correct 2, wrong 6 (1 truncated)", or "" without verdicts.</summary>
    public string Describe() => Verdicts is null ? "" :
        $"; {Verifier}: {string.Join(", ", Verdicts.Select(v => $"{RunStore.Snake(v.Key)} {v.Value}"))}" + (Truncated > 0 ? $" ({Truncated} truncated)" : "");
}

/// <summary>What question compression kept.</summary>
public sealed record CompressionSummary(int Questions, int Kept, int Dropped);

/// <summary>
/// Question compression (DED §2): for each question with at least one trajectory that passed every filter, estimate
/// the student's pass rate over k samples and drop the question when it exceeds the threshold.
/// </summary>
public static class CompressionStage
{
    public static Task<CompressionSummary> RunAsync(RunStore store, IPassRateEstimator estimator, CompressionOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.K, 1);
        return RunCoreAsync(store, estimator, options, cancellationToken);
    }

    private static async Task<CompressionSummary> RunCoreAsync(RunStore store, IPassRateEstimator estimator, CompressionOptions options, CancellationToken ct)
    {
        int kept = 0, dropped = 0;
        await using (var writer = store.Writer())
        {
            foreach (var question in Candidates(store))
            {
                var rate = await estimator.EstimatePassRateAsync(question, options.K, ct);
                var decision = Decide(question.Id, rate, options);
                // Each decision is committed while the student answers the next: a pass rate is too dear to lose to a kill.
                await writer.SaveCompressionAsync([decision]);
                if (decision.IsKept) kept++; else dropped++;
            }
            await writer.FlushAsync();
        }
        store.SaveMetrics("compress", new Dictionary<string, double> { ["kept"] = kept, ["dropped"] = dropped });
        return new CompressionSummary(kept + dropped, kept, dropped);
    }

    /// <summary>
    /// The questions compression asks the student about: those with at least one trajectory that passed every filter,
    /// in id order, read a page at a time.
    /// </summary>
    public static IEnumerable<Question> Candidates(RunStore store) =>
        from page in store.QuestionPages()
        let passed = store.PassedAllFiltersIn(page)
        from g in page.Groups
        where g.Trajectories.Any(t => passed.Contains(t.Id))
        select g.Question;

    /// <summary>Keep a question the student solves at most <see cref="CompressionOptions.Threshold"/> of the time.</summary>
    public static CompressionDecision Decide(string questionId, PassRate rate, CompressionOptions options)
    {
        double passRate = rate.Rate;
        bool kept = passRate <= options.Threshold;
        return new CompressionDecision
        {
            QuestionId = questionId, PassRate = passRate, K = options.K, Threshold = options.Threshold, IsKept = kept,
            Reason = kept ? $"student pass rate {passRate:0.###} (k={options.K}{rate.Describe()}) <= threshold {options.Threshold:0.###}: kept as hard"
                          : $"student pass rate {passRate:0.###} (k={options.K}{rate.Describe()}) > threshold {options.Threshold:0.###}: dropped, already solved",
        };
    }
}
