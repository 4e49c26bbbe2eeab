namespace Ded.Training;

/// <summary>One supervised example: the prompt (no loss) and the response the student learns.</summary>
public sealed record SftExample(string Prompt, string Response);

/// <summary>How a student fine-tunes. Step-based, so that every condition of an experiment gets the same compute.</summary>
public sealed record SftOptions
{
    public int Steps { get; init; } = 64;            // ~130k tokens: ~11 s for the lab student on 2 cores
    public int BatchSize { get; init; } = 8;           // packed rows per step
    public double LearningRate { get; init; } = 1e-3;  // tiny models take far larger steps than the paper's 1e-5 for 32B
    public int WarmupSteps { get; init; } = 10;
    public int Seed { get; init; } = 1;
}

/// <summary>How a student samples.</summary>
public sealed record SampleOptions
{
    public int SamplesPerPrompt { get; init; } = 1;
    public float Temperature { get; init; } = 0.6f;  // the field's evaluation standard (DED.md)
    public float TopP { get; init; } = 0.95f;
    public int MaxNewTokens { get; init; } = 200;
    public int Seed { get; init; } = 1;
    /// <summary>Told the number of prompts answered so far, where the student answers them one by one (a served student).</summary>
    public IProgress<int>? Progress { get; init; }
}

/// <summary>A sampled answer and whether it hit the token limit before ending; <see cref="Error"/> when its request failed.</summary>
public sealed record StudentSample(string Text, bool IsTruncated)
{
    /// <summary>Why the sample could not be drawn (a served student's request failed after its retries); null when it was.</summary>
    public string? Error { get; init; }
}

/// <summary>Per-token log-probabilities (nats), predictive entropies (bits) and ranks (1 = the student's top choice)
/// of a response under the student. A student that cannot rank (a served one) leaves <see cref="Ranks"/> empty.</summary>
public sealed record TokenScores(IReadOnlyList<double> LogProbs, IReadOnlyList<double> EntropiesBits)
{
    public IReadOnlyList<int> Ranks { get; init; } = [];

    /// <summary>True when the last token is the end-of-sequence the scorer appended (the in-process student counts it,
    /// as its SFT loss does); the teacher-fit signals leave it out, as the RSR reference leaves out the end marker.</summary>
    public bool EndsWithEndToken { get; init; }

    public double MeanLossNats => LogProbs.Count == 0 ? double.NaN : -LogProbs.Average();
    public double MeanEntropyBits => EntropiesBits.Count == 0 ? double.NaN : EntropiesBits.Average();
}

/// <summary>What one fine-tune did: the mean loss per target token at each optimizer step.</summary>
public sealed record SftReport(IReadOnlyList<double> Losses);

/// <summary>
/// The student DED distils into, by capability: every student is disposable; what it can do is the interfaces it
/// implements (<see cref="IStudentSampler"/>, <see cref="IStudentScorer"/>, <see cref="ITrainableStudent"/>), so a
/// stage asks for the capability it needs and nothing has to throw "not supported". The TorchSharp student
/// (Ded.Student) has all three; a served student samples and, given its chat template, scores.
/// </summary>
public interface IStudent : IDisposable;

/// <summary>A student that answers prompts (compression, evaluation).</summary>
public interface IStudentSampler : IStudent
{
    /// <summary>For each prompt (the user's message; the student applies its own prompt format), <see cref="SampleOptions.SamplesPerPrompt"/> samples, in prompt order.</summary>
    Task<IReadOnlyList<IReadOnlyList<StudentSample>>> SampleAsync(IReadOnlyList<string> prompts, SampleOptions options, CancellationToken cancellationToken);
}

/// <summary>A student that scores a response given its prompt (teacher-fit signals: loss, entropy).</summary>
public interface IStudentScorer : IStudent
{
    Task<IReadOnlyList<TokenScores>> ScoreAsync(IReadOnlyList<SftExample> examples, CancellationToken cancellationToken);
}

/// <summary>A student fine-tuned in process (the smoke test and the lab's conditions train copies of one base).</summary>
public interface ITrainableStudent : IStudentSampler
{
    /// <summary>An independent copy with the same weights (each condition fine-tunes its own copy of the base), using
    /// <paramref name="threads"/> CPU threads (0: as many as this one), so that copies can train side by side.</summary>
    ITrainableStudent Fork(int threads = 0);

    Task<SftReport> SftAsync(IReadOnlyList<SftExample> corpus, SftOptions options, CancellationToken cancellationToken);
}
