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

/// <summary>Applies the corpus filters to every stored trajectory, a page of questions at a time, and stores each decision with its reason.</summary>
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
        return RunCoreAsync(store, options, verifier, judge, tokenizer, cancellationToken);
    }

    private static async Task<FilterSummary> RunCoreAsync(RunStore store, FilterOptions options, string verifier, string? judge, ITokenizer? tokenizer,
        CancellationToken ct)
    {
        var failedBy = new Dictionary<string, int>();
        int total = 0, passedAll = 0;
        await using (var writer = store.Writer())
        {
            foreach (var page in store.QuestionPages())
            {
                ct.ThrowIfCancellationRequested();
                var verdicts = Verdicts(store, page, verifier, judge);
                var decisions = new List<FilterDecision>(4 * page.Trajectories);
                foreach (var t in page.Groups.SelectMany(g => g.Trajectories))
                {
                    int length = options.LengthUnit == TextUnit.Chars ? t.RawResponse.Length : tokenizer!.EncodeToIds(t.RawResponse).Count;
                    var own = TrajectoryFilters.Evaluate(t, length, verdicts.GetValueOrDefault(t.Id), options);
                    decisions.AddRange(own);
                    total++;
                    if (own.All(d => d.Passed)) passedAll++;
                    foreach (var d in own.Where(d => !d.Passed))
                        failedBy[d.Filter] = failedBy.GetValueOrDefault(d.Filter) + 1;
                }
                await writer.ReplaceFilterDecisionsAsync(page, decisions);
            }
            await writer.FlushAsync();
        }
        var metrics = failedBy.ToDictionary(kv => "failed_" + kv.Key, kv => (double)kv.Value);
        metrics["trajectories"] = total;
        metrics["passed_all"] = passedAll;
        store.SaveMetrics("filter", metrics);
        return new FilterSummary(total, passedAll, failedBy) { Warnings = TrajectoryFilters.MissingReasoningWarnings(store.ReasoningByTeacher(), options) };
    }

    /// <summary>The verdicts the correctness filter reads on one page: the rule verifier's, or the judge's where the rules could not decide.</summary>
    private static Dictionary<string, Verdict> Verdicts(RunStore store, QuestionPage page, string verifier, string? judge)
    {
        var verdicts = store.VerdictsIn(page, verifier);
        if (judge is null) return verdicts;
        foreach (var (id, judged) in store.VerdictsIn(page, judge))
            if (verdicts.GetValueOrDefault(id)?.Kind == VerdictKind.Unverifiable)
                verdicts[id] = judged;
        return verdicts;
    }
}
