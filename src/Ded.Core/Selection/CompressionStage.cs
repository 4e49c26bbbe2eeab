using Ded.Data;
using Ded.Runs;

namespace Ded.Selection;

/// <summary>Estimates how often the student already solves a question (the student work implements it).</summary>
public interface IPassRateEstimator
{
    /// <summary>The fraction of <paramref name="k"/> student samples that answer correctly, in [0, 1].</summary>
    ValueTask<double> EstimatePassRateAsync(Question question, int k, CancellationToken cancellationToken);
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
        var passed = store.PassedAllFilters();
        var withCorpus = store.Trajectories().Where(t => passed.Contains(t.Id)).Select(t => t.QuestionId).ToHashSet();
        int kept = 0, dropped = 0;
        foreach (var question in store.Questions().Where(q => withCorpus.Contains(q.Id)))
        {
            double rate = await estimator.EstimatePassRateAsync(question, options.K, ct);
            var decision = Decide(question.Id, rate, options);
            store.SaveCompression(decision);
            if (decision.IsKept) kept++; else dropped++;
        }
        store.SaveMetrics("compress", new Dictionary<string, double> { ["kept"] = kept, ["dropped"] = dropped });
        return new CompressionSummary(kept + dropped, kept, dropped);
    }

    /// <summary>Keep a question the student solves at most <see cref="CompressionOptions.Threshold"/> of the time.</summary>
    public static CompressionDecision Decide(string questionId, double passRate, CompressionOptions options)
    {
        bool kept = passRate <= options.Threshold;
        return new CompressionDecision
        {
            QuestionId = questionId, PassRate = passRate, K = options.K, Threshold = options.Threshold, IsKept = kept,
            Reason = kept ? $"student pass rate {passRate:0.###} (k={options.K}) <= threshold {options.Threshold:0.###}: kept as hard"
                          : $"student pass rate {passRate:0.###} (k={options.K}) > threshold {options.Threshold:0.###}: dropped, already solved",
        };
    }
}
