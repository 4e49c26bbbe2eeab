namespace Ded.Selection;

/// <summary>How P trajectories are chosen per question. Farthest is DED §3; the others are its controls.</summary>
public enum SelectionStrategy { Farthest, Random, Longest, Shortest, All }

/// <summary>Diversity selection (DED §3).</summary>
public sealed record DiversityOptions
{
    public int P { get; init; } = 4;                 // P, about 4 from the paper's 965 samples / 237 questions
    public Filtering.TextUnit Distance { get; init; } = Filtering.TextUnit.Chars; // Levenshtein over characters
    public SelectionStrategy Strategy { get; init; } = SelectionStrategy.Farthest;
    public long Seed { get; init; } = 1;             // random-P only
}
