namespace Ded.Data;

/// <summary>Where a run's questions come from: lab pools and JSONL files, in recipe order.</summary>
public sealed record QuestionsOptions
{
    public IReadOnlyList<QuestionSource> Sources { get; init; } = [new LabPoolSource()];
    /// <summary>Drop questions that overlap the evaluation benchmarks; null for no check.</summary>
    public DecontaminationStep? Decontaminate { get; init; }
    /// <summary>Drop exact and near-duplicate questions; null for no dedup.</summary>
    public DedupStep? Dedup { get; init; }
}

/// <summary>The recipe's `questions.decontaminate` step: benchmark files and the n-gram size (8 as s1 and open-r1).</summary>
public sealed record DecontaminationStep
{
    public required IReadOnlyList<string> Benchmarks { get; init; }
    public int Ngram { get; init; } = 8;
}

/// <summary>The recipe's `questions.dedup` step: exact after normalization, then MinHash-LSH at a Jaccard threshold.</summary>
public sealed record DedupStep
{
    public double NearThreshold { get; init; } = 0.8; // datasketch's usual threshold for near duplicates
}

/// <summary>One question source.</summary>
[System.Text.Json.Serialization.JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(LabPoolSource), "lab")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(JsonlSource), "jsonl")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(PoolSource), "pool")]
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

/// <summary>A question pool (JSONL, JSON or Parquet) read streaming through a preset and field overrides.</summary>
public sealed record PoolSource : QuestionSource
{
    public required string Path { get; init; }
    /// <summary>The preset name (s1k, codeforces, ...), recorded; <see cref="Mapping"/> holds the resolved fields.</summary>
    public string? Preset { get; init; }
    public required Pools.PoolMapping Mapping { get; init; }
    /// <summary>"math", "code" or "general"; code pools default to code.</summary>
    public required string Domain { get; init; }
    /// <summary>Keep this many questions, a seeded uniform sample of the pool (reservoir); null keeps all.</summary>
    public int? Count { get; init; }
    public int Seed { get; init; } = 1;
}
