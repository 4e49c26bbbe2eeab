using Ded.Data;
using Ded.Filtering;
using Ded.Rollouts;
using Ded.Runs;

namespace Ded.Selection;

/// <summary>What one diversity pass kept.</summary>
public sealed record DiversitySummary(int Questions, int Candidates, int Selected);

/// <summary>
/// One selection over the run store: which trajectories are candidates, how P are chosen per question, and the key
/// its decisions are stored under. The recipe's own (<see cref="Of"/>) takes every teacher's trajectories that passed
/// the filters on the questions compression kept; a client's controls (the lab's conditions, the smoke test's
/// one-answer corpora) narrow or widen that.
/// </summary>
public sealed record SelectionSpec
{
    /// <summary>Stored as each decision's strategy (the recipe's: its strategy's name; exports read it).</summary>
    public required string Key { get; init; }
    public required DiversityOptions Diversity { get; init; }
    /// <summary>Only this teacher's trajectories; null for every teacher.</summary>
    public string? Teacher { get; init; }
    /// <summary>Only this sample index (the smoke test's one answer per question); null for all.</summary>
    public int? SampleIndex { get; init; }
    /// <summary>Only trajectories that passed every filter.</summary>
    public bool IsFiltered { get; init; } = true;
    /// <summary>Skip the questions compression dropped.</summary>
    public bool IsCompressed { get; init; } = true;

    /// <summary>The recipe's selection.</summary>
    public static SelectionSpec Of(DiversityOptions diversity) => new() { Key = RunStore.Snake(diversity.Strategy), Diversity = diversity };
}

/// <summary>
/// Per question, among a selection's candidates (by default the trajectories that passed every filter, on the
/// questions compression kept), keeps P by the strategy and stores a decision with its reason for every candidate.
/// </summary>
public static class DiversityStage
{
    /// <summary>The recipe's selection (<see cref="SelectionSpec.Of"/>).</summary>
    public static Task<DiversitySummary> RunAsync(RunStore store, DiversityOptions options, ITokenizer? tokenizer, CancellationToken cancellationToken) =>
        RunAsync(store, SelectionSpec.Of(options), tokenizer, cancellationToken);

    /// <exception cref="InvalidOperationException">Distance in tokens without a tokenizer.</exception>
    public static Task<DiversitySummary> RunAsync(RunStore store, SelectionSpec spec, ITokenizer? tokenizer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.Diversity.P, 1);
        if (spec.Diversity.Distance == TextUnit.Tokens && tokenizer is null)
            throw new InvalidOperationException("diversity.distance is tokens but no tokenizer is configured; set `distance: chars` in the recipe");
        return RunCoreAsync(store, spec, tokenizer, cancellationToken);
    }

    private static async Task<DiversitySummary> RunCoreAsync(RunStore store, SelectionSpec spec, ITokenizer? tokenizer, CancellationToken ct)
    {
        int questions = 0, candidates = 0, selected = 0;
        await using (var writer = store.Writer())
        {
            foreach (var page in store.QuestionPages())
            {
                var passed = spec.IsFiltered ? store.PassedAllFiltersIn(page) : null;
                var dropped = spec.IsCompressed ? store.DroppedByCompressionIn(page) : [];
                var decisions = new List<SelectionDecision>();
                foreach (var (question, trajectories) in page.Groups)
                {
                    ct.ThrowIfCancellationRequested();
                    // Every question of the page is replaced: one whose pool is now empty loses picks a rerun's filters no longer allow.
                    var pool = dropped.Contains(question.Id) ? [] : trajectories.Where(t => IsCandidate(t, spec, passed)).ToList(); // sorted by id
                    if (pool.Count == 0) continue;
                    var own = Decide(question.Id, pool, spec.Diversity, tokenizer);
                    decisions.AddRange(own.Select(d => d with { Strategy = spec.Key }));
                    questions++;
                    candidates += pool.Count;
                    selected += own.Count(d => d.IsSelected);
                }
                await writer.ReplaceSelectionsAsync(page, spec.Key, decisions);
            }
            await writer.FlushAsync();
        }
        store.SaveMetrics("diversify." + spec.Key, new Dictionary<string, double>
        {
            ["questions"] = questions, ["candidates"] = candidates, ["selected"] = selected,
        });
        return new DiversitySummary(questions, candidates, selected);
    }

    private static bool IsCandidate(Trajectory t, SelectionSpec spec, IReadOnlySet<string>? passed) =>
        (spec.Teacher is null || t.Teacher == spec.Teacher) && (spec.SampleIndex is null || t.SampleIndex == spec.SampleIndex)
        && (passed is null || passed.Contains(t.Id));

    /// <summary>The decisions for one question's candidates (sorted by trajectory id).</summary>
    public static IReadOnlyList<SelectionDecision> Decide(string questionId, IReadOnlyList<Trajectory> pool, DiversityOptions options, ITokenizer? tokenizer)
    {
        var texts = pool.Select(t => t.RawResponse).ToList();
        var strategy = RunStore.Snake(options.Strategy);
        IReadOnlyList<Pick> picks;
        Func<int, (int? Distance, string Reason)> rejected = _ => (null, $"{strategy}-P: not among the {options.P} chosen");
        switch (options.Strategy)
        {
            case SelectionStrategy.Farthest:
                var result = options.Distance == TextUnit.Tokens
                    ? FarthestPoint.Select(texts.Select(t => tokenizer!.EncodeToIds(t).ToArray()).ToList(), options.P)
                    : FarthestPoint.Select(texts, options.P);
                picks = FarthestPicks(result, options.P);
                rejected = i =>
                {
                    int m = result.Min(c => result.DistanceBetween(i, c));
                    return (m, $"farthest-P: not chosen; min distance {m} to chosen, no more than the last pick's {picks[^1].MinDistance}");
                };
                break;
            case SelectionStrategy.Random:
                long seed = Hashing.Int63($"{options.Seed}|{questionId}"); // one stream per question, stable across runs
                picks = Label(SelectionControls.Random(texts.Count, options.P, seed), $"random-P: seeded draw (seed {options.Seed})");
                break;
            case SelectionStrategy.Longest or SelectionStrategy.Shortest:
                bool longest = options.Strategy == SelectionStrategy.Longest;
                picks = Label(SelectionControls.ByLength(texts, options.P, longest), $"{strategy}-P: among the {options.P} {strategy} by characters");
                break;
            default:
                picks = Label(Enumerable.Range(0, texts.Count).ToList(), "all: every trajectory that passed the filters");
                break;
        }
        return ToDecisions(questionId, pool, strategy, picks, rejected);
    }

    private static List<SelectionDecision> ToDecisions(string questionId, IReadOnlyList<Trajectory> pool, string strategy,
        IReadOnlyList<Pick> picks, Func<int, (int? Distance, string Reason)> rejected)
    {
        var rank = picks.Select((p, r) => (p, r)).ToDictionary(x => x.p.Index, x => (Pick: x.p, Rank: x.r + 1));
        return pool.Select((t, i) =>
        {
            if (rank.TryGetValue(i, out var hit))
                return new SelectionDecision
                {
                    TrajectoryId = t.Id, QuestionId = questionId, Strategy = strategy, IsSelected = true,
                    Reason = hit.Pick.Reason, Rank = hit.Rank, MinDistance = hit.Pick.MinDistance,
                };
            var (distance, reason) = rejected(i);
            return new SelectionDecision
            {
                TrajectoryId = t.Id, QuestionId = questionId, Strategy = strategy, IsSelected = false, Reason = reason, MinDistance = distance,
            };
        }).ToList();
    }

    /// <summary>The reason for each farthest-P pick, in the words of DED §3's greedy rule.</summary>
    private static List<Pick> FarthestPicks(FarthestPointResult result, int p)
    {
        int n = result.InputCount;
        if (n <= p) return result.Select(i => new Pick(i, null, $"farthest-P: all {n} kept (n <= P = {p})")).ToList();
        if (p == 1)
        {
            long total = Enumerable.Range(0, n).Sum(j => (long)result.DistanceBetween(result[0], j));
            return [new Pick(result[0], null, $"farthest-P: P = 1, the medoid (total distance {total})")];
        }
        string pair = $"farthest-P: most distant pair (distance {result.MinDistanceAtPick[1]})";
        return result.Select((index, k) => new Pick(index, result.MinDistanceAtPick[k],
            k < 2 ? pair : $"farthest-P: min distance {result.MinDistanceAtPick[k]} to chosen")).ToList();
    }

    private static List<Pick> Label(IReadOnlyList<int> indices, string reason) => indices.Select(i => new Pick(i, null, reason)).ToList();

    /// <summary>One chosen item: its index, its distance to the nearest item chosen before it (null for the first), and why.</summary>
    private readonly record struct Pick(int Index, int? MinDistance, string Reason);
}
