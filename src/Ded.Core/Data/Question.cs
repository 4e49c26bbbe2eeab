namespace Ded.Data;

/// <summary>One seed question with its gold answer, as ingested into a run.</summary>
public sealed record Question
{
    /// <summary>Stable id, unique within a run (the lab's problem id, or the JSONL id field).</summary>
    public required string Id { get; init; }
    /// <summary>Where it came from, e.g. "lab" or the JSONL file name.</summary>
    public required string Source { get; init; }
    public required string Text { get; init; }
    public required string GoldAnswer { get; init; }
    /// <summary>"math", "code" or "general" (general is the out-of-domain check).</summary>
    public required string Domain { get; init; }
    public string Family { get; init; } = "";
    public int Difficulty { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
