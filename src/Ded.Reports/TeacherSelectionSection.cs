using System.Globalization;
using Ded.TeacherSelection;

namespace Ded.Reports;

/// <summary>The teacher-selection section of report.html and report.md: one table and the lines under it, from
/// `ded select-teacher`'s outcome (the smoke test on real teachers and the signals beside it).</summary>
internal static class TeacherSelectionSection
{
    public const string Title = "Teacher selection (ded select-teacher)";

    public static IReadOnlyList<string> Head { get; } =
        ["rank", "teacher", "corpus", "student avg@n [95%]", "loss (nats)", "entropy (bits)", "RSR [95%]", "signals from"];

    public static IEnumerable<string[]> Rows(SelectionOutcome o) => o.Teachers.OrderBy(t => t.Rank ?? int.MaxValue).Select(t => new[]
    {
        t.Rank?.ToString(CultureInfo.InvariantCulture) ?? "–", t.Name + (t.Name == o.Winner ? " (winner)" : ""),
        t.Corpus.ToString(CultureInfo.InvariantCulture), t.Student is { } s ? TeacherRanking.Format(s.Score) : "–",
        Number(t.Signal?.Loss), Number(t.Signal?.EntropyBits), t.Signal?.RsrInterval is { } r ? TeacherRanking.Format(r) : "–", t.SignalNote,
    });

    /// <summary>The verdict, the correlations, who scored the signals and the notes, one sentence each.</summary>
    public static IEnumerable<string> Lines(SelectionOutcome o)
    {
        yield return "Smoke test: " + o.Verdict + $" (engine {o.Engine}).";
        yield return "Signals (lower is better): loss = the base student's mean per-token loss, entropy = its mean token entropy, " +
                     "RSR = Rank-Surprisal Ratio (arXiv 2601.14249), scored by " + o.Scorer + ".";
        if (o.Spearman.Count > 0)
            yield return $"Spearman ρ with the student scores over {o.SpearmanTeachers} teachers (negative agrees): " +
                         string.Join(", ", o.Spearman.Select(kv => $"{kv.Key} {Number(kv.Value)}")) + ".";
        foreach (var t in o.Teachers) yield return $"{t.Name}: {t.StudentNote}.";
        foreach (var note in o.Notes) yield return "Note: " + note + ".";
    }

    private static string Number(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";
}
