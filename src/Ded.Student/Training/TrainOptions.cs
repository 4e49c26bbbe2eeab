namespace Ded.Student.Training;

/// <summary>How the trainer runs. Defaults suit the ~1.3M-parameter lab student on 2 CPU threads.</summary>
public sealed record TrainOptions
{
    public double LearningRate { get; init; } = 2e-3;      // tiny models tolerate a high peak lr (nanoGPT shakespeare-char: 1e-3 at 10M)
    public double MinLearningRateFraction { get; init; } = 0.1; // cosine decays to lr/10 (Chinchilla, nanoGPT)
    public int Steps { get; init; } = 300;                 // optimizer steps; the data is cycled in reshuffled epochs
    public int BatchSize { get; init; } = 8;               // packed rows per step: 8 × 256 = 2k tokens, ~0.5 s on 2 threads
    public int? BlockSize { get; init; }                   // null = the model's block size
    public int WarmupSteps { get; init; } = 20;            // linear warmup: Adam's moment estimates are noisy at first
    public double WeightDecay { get; init; } = 0.1;        // AdamW, on matrices only (nanoGPT); norms are not decayed
    public double Beta2 { get; init; } = 0.99;             // small batches: a shorter second-moment memory (nanoGPT char)
    public double GradClip { get; init; } = 1.0;           // global L2 norm; guards against loss spikes
    public int Seed { get; init; } = 0;                    // epoch e shuffles with Seed + e, so a resumed run sees the same batches
    public int Threads { get; init; }                      // 0 = Environment.ProcessorCount; libtorch otherwise guesses
    public int EvalEvery { get; init; }                    // 0 = evaluate only at the end (when an eval set is given)
    public string? CheckpointDir { get; init; }            // null = no checkpoints written
    public int CheckpointEvery { get; init; }              // 0 = only the final checkpoint (when CheckpointDir is set)
    public string? ResumeFrom { get; init; }               // a checkpoint folder written by this trainer: weights, AdamW state, step

    /// <summary>Throws <see cref="ArgumentException"/> naming the field and the expected range.</summary>
    public void Validate()
    {
        Require(LearningRate > 0, $"LearningRate must be > 0 (got {LearningRate})");
        Require(MinLearningRateFraction is >= 0 and <= 1, $"MinLearningRateFraction must be in [0, 1] (got {MinLearningRateFraction})");
        Require(Steps >= 0, $"Steps must be >= 0 (got {Steps})");
        Require(BatchSize >= 1, $"BatchSize must be >= 1 (got {BatchSize})");
        Require(BlockSize is null or >= 2, $"BlockSize must be >= 2 (got {BlockSize})");
        Require(WarmupSteps >= 0, $"WarmupSteps must be >= 0 (got {WarmupSteps})");
        Require(WeightDecay >= 0, $"WeightDecay must be >= 0 (got {WeightDecay})");
        Require(Beta2 is > 0 and < 1, $"Beta2 must be in (0, 1) (got {Beta2})");
        Require(GradClip > 0, $"GradClip must be > 0 (got {GradClip})");
        Require(Threads >= 0 && EvalEvery >= 0 && CheckpointEvery >= 0, "Threads, EvalEvery and CheckpointEvery must be >= 0");
    }

    /// <summary>Linear warmup to <see cref="LearningRate"/>, then cosine decay to the minimum at <see cref="Steps"/>.</summary>
    public double LearningRateAt(int step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        double progress = Steps <= WarmupSteps ? 1 : (double)(step - WarmupSteps) / (Steps - WarmupSteps);
        double min = LearningRate * MinLearningRateFraction;
        return min + 0.5 * (1 + Math.Cos(Math.PI * Math.Min(progress, 1))) * (LearningRate - min);
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"TrainOptions.{message}");
    }
}
