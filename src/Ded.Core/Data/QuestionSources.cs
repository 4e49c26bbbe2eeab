using Ded.Recipes;

namespace Ded.Data;

/// <summary>Where a run's questions come from: pools and JSONL files (and the kinds a client registers), in recipe order.</summary>
public sealed record QuestionsOptions
{
    public IReadOnlyList<QuestionSource> Sources { get; init; } = [];
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

/// <summary>
/// One question source. Its kind is its YAML key and, in the run's recipe snapshot, its JSON "kind" (RecipeJson);
/// kinds beyond jsonl and pool come from a <see cref="Recipes.IQuestionSourceKind"/> a client registers.
/// </summary>
public abstract record QuestionSource
{
    /// <summary>
    /// The verifier (a <see cref="Verification.VerifierSpec.Kind"/>) this source's questions are graded by when the
    /// recipe names none; null when the source does not say (its domain is not declared), so the recipe must.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public abstract string? Verifier { get; }

    /// <summary>Every question of the source, whole (run before the run folder is touched).</summary>
    /// <exception cref="RecipeException">A bad line in the source's file.</exception>
    /// <exception cref="InvalidOperationException">The source's file is missing or a row lacks a mapped field.</exception>
    public abstract IReadOnlyList<Question> Load();

    /// <summary>The rule verifier of a declared domain: math and code have one; general (or none) does not.</summary>
    protected static string? VerifierOf(string? domain) => domain is "math" or "code" ? domain : null;
}

/// <summary>A JSONL file, one question per line, with the JSON field names to read.</summary>
public sealed record JsonlSource : QuestionSource
{
    public required string Path { get; init; }
    public string IdField { get; init; } = "id";             // absent field: id is FILE:LINE
    public string QuestionField { get; init; } = "question";
    public string AnswerField { get; init; } = "answer";
    /// <summary>"math", "code" or "general" as the recipe declares it; null when it does not (then it names a verifier).</summary>
    public string? Domain { get; init; }
    public string? FamilyField { get; init; }

    public override string? Verifier => VerifierOf(Domain);
    public override IReadOnlyList<Question> Load() => QuestionLoader.FromJsonl(this);
}

/// <summary>A question pool (JSONL, JSON or Parquet) read streaming through a preset and field overrides.</summary>
public sealed record PoolSource : QuestionSource
{
    public required string Path { get; init; }
    /// <summary>The preset name (s1k, codeforces, ...), recorded; <see cref="Mapping"/> holds the resolved fields.</summary>
    public string? Preset { get; init; }
    public required Pools.PoolMapping Mapping { get; init; }
    /// <summary>"math", "code" or "general": declared, or the preset's (a code preset is code, another preset math); null when neither says.</summary>
    public string? Domain { get; init; }
    /// <summary>Keep this many questions, a seeded uniform sample of the pool (reservoir); null keeps all.</summary>
    public int? Count { get; init; }
    public int Seed { get; init; } = 1;

    public override string? Verifier => VerifierOf(Domain);
    public override IReadOnlyList<Question> Load() => QuestionLoader.FromPool(this);
}
