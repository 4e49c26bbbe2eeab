using Ded.Data.Dedup;

namespace Ded.Data;

/// <summary>A question the recipe's screening dropped, and why (a line of questions_dropped.jsonl).</summary>
public sealed record DroppedQuestion(string Id, string Step, string Reason);

/// <summary>The recipe's question screening: decontamination against the benchmarks, then dedup (DED.md data curation).</summary>
public static class QuestionScreening
{
    /// <summary>Keeps the questions that pass every configured step, in order; records each dropped one with its reason.</summary>
    public static async Task<(IReadOnlyList<Question> Kept, IReadOnlyList<DroppedQuestion> Dropped)> RunAsync(
        IReadOnlyList<Question> questions, QuestionsOptions options, CancellationToken ct)
    {
        var dropped = new List<DroppedQuestion>();
        IEnumerable<Question> kept = questions;
        if (options.Decontaminate is { } decontaminate)
        {
            var benchmark = await LoadBenchmarksAsync(decontaminate, ct);
            var checker = new Decontaminator(benchmark, new DecontaminationOptions { NgramSize = decontaminate.Ngram });
            kept = kept.Where(q =>
            {
                var matches = checker.Check(q.Text);
                if (matches.Count == 0) return true;
                dropped.Add(new DroppedQuestion(q.Id, "decontaminate",
                    string.Join("; ", matches.Select(m => $"{m.Rule} match with {m.Benchmark} {m.RowId}: {m.Evidence}"))));
                return false;
            }).ToList();
        }
        if (options.Dedup is { } dedup)
        {
            var deduplicator = new Deduplicator(new DedupOptions
            {
                MinHash = new MinHashOptions { Threshold = dedup.NearThreshold }, ExpectedRows = Math.Max(1024, questions.Count),
            });
            kept = kept.Where(q =>
            {
                var verdict = deduplicator.Admit(q.Id, q.Text);
                if (!verdict.IsDuplicate) return true;
                dropped.Add(new DroppedQuestion(q.Id, "dedup", $"{verdict.Kind.ToString().ToLowerInvariant()} duplicate of {verdict.DuplicateOfId}: {verdict.Reason}"));
                return false;
            }).ToList();
        }
        return (kept.ToList(), dropped);
    }

    /// <exception cref="InvalidOperationException">A benchmark file or row is unreadable; the message names file:line and what is missing.</exception>
    private static async Task<IReadOnlyList<BenchmarkQuestion>> LoadBenchmarksAsync(DecontaminationStep step, CancellationToken ct)
    {
        try
        {
            return await BenchmarkSet.LoadAsync(step.Benchmarks, textField: null, ct);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidOperationException(e.Message + " (questions.decontaminate.benchmarks)", e);
        }
    }
}
