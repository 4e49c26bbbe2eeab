namespace Ded.Data.Engines;

/// <summary>Which trainer runs the SFT.</summary>
public enum TrainingEngine
{
    /// <summary>LLaMA-Factory (the paper's trainer): YAML + DeepSpeed ZeRO-3 JSON, <c>llamafactory-cli train</c>.</summary>
    LlamaFactory,
    /// <summary>Hugging Face TRL: an SFT config for <c>trl sft --config</c>.</summary>
    Trl,
    /// <summary>Ded's own TorchSharp trainer (wired by the coordinator).</summary>
    Ded,
}

/// <summary>The SFT settings written into the engines' configs; defaults are the paper's (DED §4, "Training details").</summary>
public sealed record EngineTrainingOptions
{
    public required string ModelNameOrPath { get; init; }   // the student, e.g. deepseek-ai/DeepSeek-R1-Distill-Qwen-32B
    public required string DataDirectory { get; init; }     // what the export wrote (dataset_info.json, rows)
    public required string OutputDirectory { get; init; }
    public string Template { get; init; } = "deepseekr1";    // LLaMA-Factory template name (qwen3 for Qwen3 students)
    public string DatasetName { get; init; } = "ded";        // the dataset_info.json entry the export writes
    public int CutoffLength { get; init; } = 16384;          // paper: trajectories over 16k tokens are dropped
    public double LearningRate { get; init; } = 1.0e-5;      // paper
    public int Epochs { get; init; } = 10;                   // paper
    public int EffectiveBatchSize { get; init; } = 48;       // paper; = per-device batch × accumulation × GPUs
    public int Gpus { get; init; } = 8;                      // unset in the paper; one 8-GPU node
    public int PerDeviceBatchSize { get; init; } = 1;        // 16k-token rows: one per GPU
    public string LrScheduler { get; init; } = "cosine";     // paper
    public double WarmupRatio { get; init; } = 0.05;         // unset in the paper; s1's value
    public int Seed { get; init; } = 42;                     // recorded in the config

    /// <summary>Gradient accumulation steps so that the effective batch is exactly <see cref="EffectiveBatchSize"/>.</summary>
    /// <exception cref="ArgumentException">The effective batch is not a multiple of per-device batch × GPUs.</exception>
    public int GradientAccumulationSteps
    {
        get
        {
            var perStep = PerDeviceBatchSize * Gpus;
            if (perStep <= 0 || EffectiveBatchSize % perStep != 0)
                throw new ArgumentException(
                    $"effective batch {EffectiveBatchSize} is not a multiple of per-device batch {PerDeviceBatchSize} × {Gpus} GPUs; change --gpus or --per-device-batch");
            return EffectiveBatchSize / perStep;
        }
    }
}
