namespace Ded.Reports;

/// <summary>One row of the paper's ablation: a corpus size and the student's AIME24 score it reached.</summary>
public sealed record PaperPoint(string Label, int Samples, double Aime24);

/// <summary>
/// The paper's reference points (DED, arXiv 2508.09883, ablation table: 32B student, AIME24 avg, percent).
/// Shown beside the run's own points for shape only: another benchmark, another student, another scale.
/// </summary>
public static class PaperReference
{
    public const string Caption = "Paper's numbers: AIME24 (%) with a 32B student — not comparable in absolute terms";

    /// <summary>The student before distillation (the same table's first row).</summary>
    public const double BaseAime24 = 65.63;

    public static IReadOnlyList<PaperPoint> Points { get; } =
    [
        new("R1, 1/question", 1000, 73.96),
        new("QwQ, 1/question", 1000, 79.58),
        new("+ correct only", 830, 80.00),
        new("+ hard only", 237, 79.37),
        new("DED (~4 diverse)", 965, 81.87),
    ];
}
