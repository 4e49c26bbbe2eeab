namespace Ded.Data;

/// <summary>Where a run's questions come from: lab pools and JSONL files, in recipe order.</summary>
public sealed record QuestionsOptions
{
    public IReadOnlyList<QuestionSource> Sources { get; init; } = [new LabPoolSource()];
}

/// <summary>One question source.</summary>
[System.Text.Json.Serialization.JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(LabPoolSource), "lab")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(JsonlSource), "jsonl")]
public abstract record QuestionSource;

/// <summary>A seeded pool from the lab world.</summary>
public sealed record LabPoolSource : QuestionSource
{
    public IReadOnlyList<string>? Families { get; init; } // null: the lab's in-domain families
    public int Count { get; init; } = 200;
    public int MinDifficulty { get; init; } = 1;
    public int MaxDifficulty { get; init; } = 4;
    public int Seed { get; init; } = 1;
}

/// <summary>A JSONL file, one question per line, with the JSON field names to read.</summary>
public sealed record JsonlSource : QuestionSource
{
    public required string Path { get; init; }
    public string IdField { get; init; } = "id";             // absent field: id is FILE:LINE
    public string QuestionField { get; init; } = "question";
    public string AnswerField { get; init; } = "answer";
    public string Domain { get; init; } = "math";
    public string? FamilyField { get; init; }
}
