namespace Ded.Selection;

/// <summary>Question compression (DED §2): drop questions the student already solves.</summary>
public sealed record CompressionOptions
{
    public bool Enabled { get; init; } = false;   // needs a student; off until one is configured
    public int K { get; init; } = 8;              // k student samples per question, unset in the paper
    public double Threshold { get; init; } = 0.5; // drop when pass rate > threshold, unset in the paper
}
