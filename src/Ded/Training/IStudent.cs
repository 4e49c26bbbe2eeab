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
}

/// <summary>A sampled answer and whether it hit the token limit before ending.</summary>
public sealed record StudentSample(string Text, bool IsTruncated);

/// <summary>Per-token log-probabilities (nats), predictive entropies (bits) and ranks (1 = the student's top choice)
/// of a response under the student. A student that cannot rank (a served one) leaves <see cref="Ranks"/> empty.</summary>
public sealed record TokenScores(IReadOnlyList<double> LogProbs, IReadOnlyList<double> EntropiesBits)
{
    public IReadOnlyList<int> Ranks { get; init; } = [];
    public double MeanLossNats => LogProbs.Count == 0 ? double.NaN : -LogProbs.Average();
    public double MeanEntropyBits => EntropiesBits.Count == 0 ? double.NaN : EntropiesBits.Average();
}

/// <summary>What one fine-tune did: the mean loss per target token at each optimizer step.</summary>
public sealed record SftReport(IReadOnlyList<double> Losses);

/// <summary>
/// The student DED distils into: it fine-tunes, samples and scores. The lab's TorchSharp student (Ded.Student)
/// implements it; the stages that use a student (compression, the smoke test, evaluation) see only this.
/// </summary>
public interface IStudent : IDisposable
{
    /// <summary>An independent copy with the same weights (each condition fine-tunes its own copy of the base).</summary>
    IStudent Fork();

    Task<SftReport> SftAsync(IReadOnlyList<SftExample> corpus, SftOptions options, CancellationToken cancellationToken);

    /// <summary>For each prompt, <see cref="SampleOptions.SamplesPerPrompt"/> samples, in prompt order.</summary>
    Task<IReadOnlyList<IReadOnlyList<StudentSample>>> SampleAsync(IReadOnlyList<string> prompts, SampleOptions options, CancellationToken cancellationToken);

    Task<IReadOnlyList<TokenScores>> ScoreAsync(IReadOnlyList<SftExample> examples, CancellationToken cancellationToken);
}
