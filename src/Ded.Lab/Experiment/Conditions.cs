using Ded.Recipes;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Selection;
using Ded.Training;

namespace Ded.Lab.Experiment;

/// <summary>
/// DED's corpus and its controls, each chosen from the run store and recorded there as a selection (strategy =
/// condition name; DED under the recipe's own strategy, so `ded show` and the exports see it). Random-, longest- and
/// shortest-P choose from exactly DED's candidates: equal sample count, only the choice differs.
/// </summary>
internal static class Conditions
{
    private sealed record Definition(string Name, string Description, bool UsesBenchmarkBest, SelectionStrategy Strategy, bool IsFiltered, bool IsCompressed);

    private static readonly Definition[] All =
    [
        new("ded", "farthest-P of the smoke-test winner's correct, well-formed answers on the questions the student still fails", false, SelectionStrategy.Farthest, true, true),
        new("random-p", "as DED, but the P answers drawn at random (seeded)", false, SelectionStrategy.Random, true, true),
        new("longest-p", "as DED, but the P longest answers", false, SelectionStrategy.Longest, true, true),
        new("shortest-p", "as DED, but the P shortest answers", false, SelectionStrategy.Shortest, true, true),
        new("no-compression", "as DED on every question with a correct answer (no pass-rate filter)", false, SelectionStrategy.Farthest, true, false),
        new("full-corpus", "every sample of the winner, unfiltered: M per question", false, SelectionStrategy.All, false, false),
        new("benchmark-best-teacher", "as DED, with the teacher whose own accuracy is highest instead of the smoke-test winner", true, SelectionStrategy.Farthest, true, true),
    ];

    public static IReadOnlyList<Corpus> Build(RunStore store, Recipe recipe, string winner, string benchmarkBest)
    {
        var passed = store.PassedAllFilters();
        var dropped = store.CompressionDecisions().Where(c => !c.IsKept).Select(c => c.QuestionId).ToHashSet();
        var questions = store.Questions();
        var byQuestion = store.Trajectories().ToLookup(t => t.QuestionId); // sorted by id: selection ties break on it
        return All.Select(def =>
        {
            string teacher = def.UsesBenchmarkBest ? benchmarkBest : winner;
            string key = def.Name == "ded" ? RunStore.Snake(recipe.Diversity.Strategy) : def.Name;
            var options = recipe.Diversity with { Strategy = def.Strategy };
            var examples = new List<SftExample>();
            int used = 0;
            foreach (var q in questions)
            {
                var pool = def.IsCompressed && dropped.Contains(q.Id) ? []
                    : byQuestion[q.Id].Where(t => t.Teacher == teacher && (!def.IsFiltered || passed.Contains(t.Id))).ToList();
                var decisions = pool.Count == 0 ? [] : DiversityStage.Decide(q.Id, pool, options, null).Select(d => d with { Strategy = key }).ToList();
                store.SaveSelections(q.Id, key, decisions);
                var chosen = decisions.Where(d => d.IsSelected).Select(d => d.TrajectoryId).ToHashSet();
                examples.AddRange(pool.Where(t => chosen.Contains(t.Id)).Select(t => new SftExample(q.Text, t.RawResponse)));
                if (chosen.Count > 0) used++;
            }
            return new Corpus(def.Name, $"{def.Description} (teacher: {teacher})", examples, used);
        }).ToList();
    }
}
