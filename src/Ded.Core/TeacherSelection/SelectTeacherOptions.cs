using System.Text.Json.Serialization;
using Ded.Data;
using Ded.Data.Engines;
using Ded.Teachers;
using Ded.Training;

namespace Ded.TeacherSelection;

/// <summary>
/// The recipe's `select_teacher:` block: how `ded select-teacher` runs DED's smoke test (§2.1) and the cheap signals
/// beside it (docs/recipes.md). The candidates are the recipe's `teachers` plus <see cref="Candidates"/>.
/// </summary>
public sealed record SelectTeacherOptions
{
    /// <summary>Teachers only the smoke test compares (the paper's other candidates); `ded run` samples `teachers` alone.</summary>
    public IReadOnlyList<TeacherSpec> Candidates { get; init; } = [];
    /// <summary>The trainer; null: `ded` when the base student trains in process, else `llamafactory`.</summary>
    public TrainingEngine? Engine { get; init; }
    /// <summary>The base student trained on each corpus and scoring the signals; null: the recipe's `student`.</summary>
    public StudentSpec? Student { get; init; }
    /// <summary>`model_name_or_path` of the llamafactory/trl configs; null: the served student's model.</summary>
    public string? BaseModel { get; init; }
    /// <summary>The student's chat format as LLaMA-Factory names it; null: from the student's `chat_template`.</summary>
    public string? Template { get; init; }
    /// <summary>Engine `ded`: the in-process fine-tuning of each copy of the base student.</summary>
    public SftOptions Sft { get; init; } = new();
    /// <summary>Engines llamafactory/trl: GPUs and per-device batch (the paper's other settings are the writers' defaults).</summary>
    public int Gpus { get; init; } = 8;
    public int PerDeviceBatch { get; init; } = 1;
    public SmokeEvaluation Evaluation { get; init; } = new();
    public SignalOptions Signals { get; init; } = new();

    /// <summary>The line of the `select_teacher:` key, for errors found when the command runs; 0 when read from a run's snapshot.</summary>
    [JsonIgnore]
    public long Line { get; init; }
}

/// <summary>How each trained student is evaluated: the `ded eval` protocol on the recipe's benchmarks.</summary>
public sealed record SmokeEvaluation
{
    public IReadOnlyList<SmokeBenchmark> Benchmarks { get; init; } = [];
    public int Samples { get; init; } = 16;            // n of avg@n (the paper's avg@16)
    public double Temperature { get; init; } = 0.6;    // DED.md "Evaluation"
    public double TopP { get; init; } = 0.95;
    public int MaxTokens { get; init; } = 32768;
    public long Seed { get; init; }
}

/// <summary>One evaluation benchmark: any question source (a `pool:` with its preset is read as `ded eval` reads it).</summary>
/// <param name="Name">The benchmark's name in results (its file's name, or `lab`).</param>
/// <param name="Limit">Only the first questions; null for all.</param>
public sealed record SmokeBenchmark(string Name, QuestionSource Source, int? Limit);

/// <summary>The cheap signals: the base student scores a seeded sample of each teacher's responses.</summary>
public sealed record SignalOptions
{
    public int Responses { get; init; } = 200;           // per teacher; 200 lost nothing in the RSR paper (Table 5)
    public long Seed { get; init; } = 1;
    public int RankClip { get; init; } = TeacherSignals.DefaultRankClip;
    /// <summary>Cut each response to this many characters before scoring (a served model's context must hold it); null: whole.</summary>
    public int? MaxResponseChars { get; init; }
}
