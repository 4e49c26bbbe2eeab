namespace Ded.Selection;

/// <summary>Whether question compression kept a question, from the student's estimated pass rate.</summary>
public sealed record CompressionDecision
{
    public required string QuestionId { get; init; }
    public required double PassRate { get; init; }
    public required int K { get; init; }
    public required double Threshold { get; init; }
    public required bool IsKept { get; init; }
    public required string Reason { get; init; }
}
