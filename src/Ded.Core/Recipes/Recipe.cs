using Ded.Data;
using Ded.Export;
using Ded.Filtering;
using Ded.Rollouts;
using Ded.Selection;
using Ded.Teachers;

namespace Ded.Recipes;

/// <summary>One run, as a recipe file describes it. Every stage reads its options from here.</summary>
public sealed record Recipe
{
    public required string Name { get; init; }
    /// <summary>Full path of the recipe file; relative paths inside it resolve against its folder.</summary>
    public required string SourcePath { get; init; }
    public QuestionsOptions Questions { get; init; } = new();
    public IReadOnlyList<TeacherSpec> Teachers { get; init; } = [];
    /// <summary>The student compression asks (and a client trains); null when the recipe names none.</summary>
    public Training.StudentSpec? Student { get; init; }
    public SamplingSettings Sampling { get; init; } = new();
    public int MaxConcurrency { get; init; } = DefaultMaxConcurrency; // requests in flight at once, over all teachers
    public const int DefaultMaxConcurrency = 8;
    /// <summary>Named in the recipe or implied by its sources' declared domain (<see cref="RecipeLoader"/>); never a default.</summary>
    public required Verification.VerifierSpec Verifier { get; init; }
    /// <summary>Full path of a Hugging Face tokenizer.json for token counts (length filter, token distances); null for none.</summary>
    public string? Tokenizer { get; init; }
    public FilterOptions Filters { get; init; } = new();
    public CompressionOptions Compression { get; init; } = new();
    public DiversityOptions Diversity { get; init; } = new();
    public ExportOptions Export { get; init; } = new();
    /// <summary>How `ded select-teacher` runs the smoke test and the cheap signals; null when the recipe has no `select_teacher:`.</summary>
    public TeacherSelection.SelectTeacherOptions? SelectTeacher { get; init; }

    /// <summary>The kinds the recipe was read with (the lab's, when the CLI passes them): they (de)serialize its snapshot.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public RecipeExtensions Extensions { get; init; } = RecipeExtensions.None;
}

