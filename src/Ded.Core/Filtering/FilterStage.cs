using Ded.Data;
using Ded.Runs;
using Ded.Verification;

namespace Ded.Filtering;

/// <summary>How many trajectories each filter dropped, how many passed all, and what the user should look at
/// (<see cref="TrajectoryFilters.MissingReasoningWarnings"/>).</summary>
public sealed record FilterSummary(int Trajectories, int PassedAll, IReadOnlyDictionary<string, int> FailedBy)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Applies the corpus filters to every stored trajectory and stores each decision with its reason.</summary>
public static class FilterStage
{
    /// <param name="verifier">Whose verdicts the correctness filter reads.</param>
    /// <param name="tokenizer">Needed when lengths are counted in tokens.</param>
    /// <exception cref="InvalidOperationException">Lengths in tokens without a tokenizer.</exception>
    /// <param name="judge">Whose verdicts replace an unverifiable rule verdict (an LLM judge's name), or null.</param>
    public static Task<FilterSummary> RunAsync(RunStore store, FilterOptions options, string verifier, string? judge, ITokenizer? tokenizer,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (options.LengthUnit == TextUnit.Tokens && tokenizer is null)
            throw new InvalidOperationException("filters.length_unit is tokens but no tokenizer is configured; set `length_unit: chars` in the recipe");
        return Task.FromResult(Run(store, options, verifier, judge, tokenizer, cancellationToken));
    }

    private static FilterSummary Run(RunStore store, FilterOptions options, string verifier, string? judge, ITokenizer? tokenizer, CancellationToken ct)
    {
        var all = store.Verdicts();
        var verdicts = all.Where(v => v.Verifier == verifier).ToDictionary(v => v.TrajectoryId);
        foreach (var judged in all.Where(v => v.Verifier == judge))
            if (verdicts.GetValueOrDefault(judged.TrajectoryId)?.Kind == VerdictKind.Unverifiable)
                verdicts[judged.TrajectoryId] = judged; // the judge decides only where the rules could not
        var failedBy = new Dictionary<string, int>();
        int total = 0, passedAll = 0;
        var trajectories = store.Trajectories();
        foreach (var t in trajectories)
        {
            ct.ThrowIfCancellationRequested();
            int length = options.LengthUnit == TextUnit.Chars ? t.RawResponse.Length : tokenizer!.EncodeToIds(t.RawResponse).Count;
            var decisions = TrajectoryFilters.Evaluate(t, length, verdicts.GetValueOrDefault(t.Id), options);
            store.SaveFilterDecisions(t.Id, decisions);
            total++;
            if (decisions.All(d => d.Passed)) passedAll++;
            foreach (var d in decisions.Where(d => !d.Passed))
                failedBy[d.Filter] = failedBy.GetValueOrDefault(d.Filter) + 1;
        }
        var metrics = failedBy.ToDictionary(kv => "failed_" + kv.Key, kv => (double)kv.Value);
        metrics["trajectories"] = total;
        metrics["passed_all"] = passedAll;
        store.SaveMetrics("filter", metrics);
        return new FilterSummary(total, passedAll, failedBy) { Warnings = TrajectoryFilters.MissingReasoningWarnings(trajectories, options) };
    }
}
