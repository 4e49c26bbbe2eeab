namespace Ded.Filtering;

/// <summary>What a length is counted in.</summary>
public enum TextUnit { Chars, Tokens }

/// <summary>The corpus filters of DED §2 (length, strict &lt;think&gt; pairing, correctness) plus truncation.</summary>
public sealed record FilterOptions
{
    public int MaxLength { get; init; } = 16384;          // paper: drop traces over 16k tokens
    public TextUnit LengthUnit { get; init; } = TextUnit.Tokens;
    public bool RequireThinkPairing { get; init; } = true; // paper: delimiters must be strictly paired
    public bool RequireCorrect { get; init; } = true;      // paper: drop wrong final answers
    public bool DropTruncated { get; init; } = true;       // a cut-off trace teaches the student to stop mid-thought
}
