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
    public StudentSpec Student { get; init; } = new();
    public SamplingSettings Sampling { get; init; } = new();
    public int MaxConcurrency { get; init; } = DefaultMaxConcurrency; // requests in flight at once, over all teachers
    public const int DefaultMaxConcurrency = 8;
    public Verification.VerifierSpec Verifier { get; init; } = new();
    /// <summary>Full path of a Hugging Face tokenizer.json for token counts (length filter, token distances); null for none.</summary>
    public string? Tokenizer { get; init; }
    public FilterOptions Filters { get; init; } = new();
    public CompressionOptions Compression { get; init; } = new();
    public DiversityOptions Diversity { get; init; } = new();
    public ExportOptions Export { get; init; } = new();
}

/// <summary>The student a recipe trains (the student work binds its own options here).</summary>
public sealed record StudentSpec
{
    public string Lab { get; init; } = "tiny";
    /// <summary>A lab student checkpoint folder (full path) to use instead of the shipped base; null for the base.</summary>
    public string? Checkpoint { get; init; }
    /// <summary>A served student (sampled and scored over the endpoint; trained elsewhere); null for the lab student.</summary>
    public Teachers.Endpoints.EndpointOptions? Endpoint { get; init; }
}
