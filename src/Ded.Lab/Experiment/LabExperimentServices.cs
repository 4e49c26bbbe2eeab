using Ded.Runs;

namespace Ded.Lab.Experiment;

/// <summary>What the lab experiment needs besides the recipe: the curation services and the base student.</summary>
public sealed record LabExperimentServices
{
    public required CurationServices Curation { get; init; }
    /// <summary>Loads (or pretrains once) the base student; the experiment forks it for every fine-tune and scores teacher corpora under it.</summary>
    public required Func<CancellationToken, Student.LabStudent> BaseStudent { get; init; }
    /// <summary>Questions the base student was pretrained on: never drawn for evaluation.</summary>
    public IReadOnlySet<string> PretrainingQuestions { get; init; } = new HashSet<string>();
    public Action<string> Log { get; init; } = _ => { };
}
