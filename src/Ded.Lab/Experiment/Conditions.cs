using Ded.Recipes;
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

    /// <summary>Each condition's selection through <see cref="CurationRun.SelectAsync"/>, then its corpus as the store holds it.</summary>
    public static async Task<IReadOnlyList<Corpus>> BuildAsync(RunStore store, Recipe recipe, string winner, string benchmarkBest,
        CurationServices services, CancellationToken ct)
    {
        var corpora = new List<Corpus>();
        foreach (var def in All)
        {
            string teacher = def.UsesBenchmarkBest ? benchmarkBest : winner;
            var selection = new SelectionSpec
            {
                Key = def.Name == "ded" ? RunStore.Snake(recipe.Diversity.Strategy) : def.Name,
                Diversity = recipe.Diversity with { Strategy = def.Strategy },
                Teacher = teacher, IsFiltered = def.IsFiltered, IsCompressed = def.IsCompressed,
            };
            await CurationRun.SelectAsync(store, selection, services, ct);
            corpora.Add(Corpus.Selected(store, selection.Key, def.Name, $"{def.Description} (teacher: {teacher})"));
        }
        return corpora;
    }
}
