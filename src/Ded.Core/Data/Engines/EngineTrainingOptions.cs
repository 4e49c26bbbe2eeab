namespace Ded.Data.Engines;

/// <summary>Which trainer runs the SFT.</summary>
public enum TrainingEngine
{
    /// <summary>LLaMA-Factory (the paper's trainer): YAML + DeepSpeed ZeRO-3 JSON, <c>llamafactory-cli train</c>.</summary>
    LlamaFactory,
    /// <summary>Hugging Face TRL: an SFT config + an Accelerate ZeRO-3 config, <c>trl sft --config … --accelerate_config …</c>.</summary>
    Trl,
    /// <summary>Ded's own TorchSharp trainer (wired by the coordinator).</summary>
    Ded,
}

/// <summary>The SFT settings written into the engines' configs; defaults are the paper's (DED §4, "Training details").</summary>
public sealed record EngineTrainingOptions
{
    public required string ModelNameOrPath { get; init; }   // the student, e.g. deepseek-ai/DeepSeek-R1-Distill-Qwen-32B
    public required string DataDirectory { get; init; }     // what the export wrote (dataset_info.json, rows), or its run folder
    public required string OutputDirectory { get; init; }
    public string Template { get; init; } = "deepseekr1";    // the student's chat format, as LLaMA-Factory names it (qwen3 for Qwen3)
    public int CutoffLength { get; init; } = 16384;          // paper: trajectories over 16k tokens are dropped
    public double LearningRate { get; init; } = 1.0e-5;      // paper
    public int Epochs { get; init; } = 10;                   // paper
    public int EffectiveBatchSize { get; init; } = 48;       // paper; = per-device batch × accumulation × GPUs
    public int Gpus { get; init; } = 8;                      // unset in the paper; one 8-GPU node
    public int PerDeviceBatchSize { get; init; } = 1;        // 16k-token rows: one per GPU
    public string LrScheduler { get; init; } = "cosine";     // paper
    public double WarmupRatio { get; init; } = 0.05;         // unset in the paper; s1's value; written as warmup_steps
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

    /// <summary>
    /// <see cref="WarmupRatio"/> as a whole number of optimizer steps over <paramref name="rows"/> examples, as
    /// transformers' <c>get_warmup_steps</c> rounds it. Written as <c>warmup_steps</c>, which transformers v4 and v5
    /// both accept: v5 deprecates <c>warmup_ratio</c> (and removes it in 5.15), v4 takes no fractional warmup_steps.
    /// </summary>
    public int WarmupSteps(int rows)
    {
        var perEpoch = Math.Max(1, (int)Math.Ceiling(rows / (double)EffectiveBatchSize));
        return (int)Math.Ceiling(perEpoch * Epochs * WarmupRatio);
    }
}
