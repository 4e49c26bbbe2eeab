using Ded.Data;
using Ded.Filtering;
using Ded.Rollouts;
using Ded.Runs;

namespace Ded.Selection;

/// <summary>What one diversity pass kept.</summary>
public sealed record DiversitySummary(int Questions, int Candidates, int Selected);

/// <summary>
/// Per question, among the trajectories that passed every filter (and whose question compression kept), keeps P
/// by the recipe's strategy and stores a decision with its reason for every candidate.
/// </summary>
public static class DiversityStage
{
    /// <exception cref="InvalidOperationException">Distance in tokens without a tokenizer.</exception>
    public static Task<DiversitySummary> RunAsync(RunStore store, DiversityOptions options, ITokenizer? tokenizer,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.P, 1);
        if (options.Distance == TextUnit.Tokens && tokenizer is null)
            throw new InvalidOperationException("diversity.distance is tokens but no tokenizer is configured; set `distance: chars` in the recipe");
        return Task.FromResult(Run(store, options, tokenizer, cancellationToken));
    }

    private static DiversitySummary Run(RunStore store, DiversityOptions options, ITokenizer? tokenizer, CancellationToken ct)
    {
        var passed = store.PassedAllFilters();
        var dropped = store.CompressionDecisions().Where(c => !c.IsKept).Select(c => c.QuestionId).ToHashSet();
        var strategy = RunStore.Snake(options.Strategy);
        int questions = 0, candidates = 0, selected = 0;
        foreach (var question in store.Questions())
        {
            ct.ThrowIfCancellationRequested();
            var pool = dropped.Contains(question.Id) ? []
                : store.TrajectoriesOf(question.Id).Where(t => passed.Contains(t.Id)).ToList(); // sorted by id
            if (pool.Count == 0)
            {
                store.SaveSelections(question.Id, strategy, []); // clears picks a rerun's filters no longer allow
                continue;
            }
            var decisions = Decide(question.Id, pool, options, tokenizer);
            store.SaveSelections(question.Id, strategy, decisions);
            questions++;
            candidates += pool.Count;
            selected += decisions.Count(d => d.IsSelected);
        }
        store.SaveMetrics("diversify." + strategy, new Dictionary<string, double>
        {
            ["questions"] = questions, ["candidates"] = candidates, ["selected"] = selected,
        });
        return new DiversitySummary(questions, candidates, selected);
    }

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
                var d = DistanceMatrix.Levenshtein(options.Distance == TextUnit.Tokens ? TokenTexts(texts, tokenizer!) : texts);
                picks = DiverseSelection.Farthest(d, options.P);
                var chosen = picks.Select(p => p.Index).ToList();
                rejected = i =>
                {
                    int m = chosen.Min(c => d[i, c]);
                    return (m, $"farthest-P: not chosen; min distance {m} to chosen, no more than the last pick's {picks[^1].MinDistance}");
                };
                break;
            case SelectionStrategy.Random:
                long seed = Hashing.Int63($"{options.Seed}|{questionId}"); // one stream per question, stable across runs
                picks = Label(DiverseSelection.Random(texts.Count, options.P, seed), $"random-P: seeded draw (seed {options.Seed})");
                break;
            case SelectionStrategy.Longest or SelectionStrategy.Shortest:
                bool longest = options.Strategy == SelectionStrategy.Longest;
                picks = Label(DiverseSelection.ByLength(texts, options.P, longest), $"{strategy}-P: among the {options.P} {strategy} by characters");
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

    private static List<Pick> Label(IReadOnlyList<int> indices, string reason) => indices.Select(i => new Pick(i, null, reason)).ToList();

    /// <summary>
    /// Token-level Levenshtein with the character algorithm: each distinct token id of this question's texts becomes
    /// one char, so edits count tokens exactly.
    /// </summary>
    private static List<string> TokenTexts(IReadOnlyList<string> texts, ITokenizer tokenizer)
    {
        var alphabet = new Dictionary<int, char>();
        return texts.Select(text => string.Concat(tokenizer.EncodeToIds(text).Select(id =>
        {
            if (!alphabet.TryGetValue(id, out var c))
            {
                if (alphabet.Count >= char.MaxValue) throw new InvalidOperationException("more than 65535 distinct tokens in one question's trajectories");
                alphabet[id] = c = (char)(alphabet.Count + 1);
            }
            return c;
        }))).ToList();
    }
}
