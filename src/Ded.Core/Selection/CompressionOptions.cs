namespace Ded.Selection;

/// <summary>Question compression (DED §2): drop questions the student already solves.</summary>
public sealed record CompressionOptions
{
    public bool Enabled { get; init; } = false;   // needs the recipe's student (checked at load)
    public int K { get; init; } = 8;              // k student samples per question, unset in the paper
    public double Threshold { get; init; } = 0.5; // drop when pass rate > threshold, unset in the paper
    public double Temperature { get; init; } = 0.6; // the student is sampled as it is evaluated (DED.md)
    public double TopP { get; init; } = 0.95;
    /// <summary>The student's answer budget; null: the recipe's sampling.max_tokens.</summary>
    public int? MaxTokens { get; init; }
}
