using System.Text.Json;

namespace Ded.Data.Engines;

/// <summary>What <see cref="EngineConfigWriter.Write"/> produced: the files and the command that trains with them.</summary>
public sealed record EngineConfig(string ConfigPath, IReadOnlyList<string> Files, string Executable, IReadOnlyList<string> Arguments)
{
    /// <summary>The command line to print.</summary>
    public string CommandLine => Display.ShellWords.Command([Executable, .. Arguments]);
}

/// <summary>Writes the training configs of LLaMA-Factory and TRL with the paper's SFT settings.</summary>
public static class EngineConfigWriter
{
    /// <summary>Writes the config files for <paramref name="engine"/> into the output directory.</summary>
    /// <exception cref="NotSupportedException"><see cref="TrainingEngine.Ded"/>: not wired here.</exception>
    /// <exception cref="ArgumentException">The batch settings do not give the effective batch.</exception>
    public static EngineConfig Write(TrainingEngine engine, EngineTrainingOptions options)
    {
        return engine switch
        {
            TrainingEngine.LlamaFactory => WriteLlamaFactory(options),
            TrainingEngine.Trl => WriteTrl(options),
            _ => throw new NotSupportedException(
                "--engine ded (Ded's own TorchSharp trainer) is not available from `ded train` yet; use --engine llamafactory or --engine trl"),
        };
    }

    /// <summary>The LLaMA-Factory training YAML (keys all in <see cref="LlamaFactoryArguments"/>).</summary>
    public static string LlamaFactoryYaml(EngineTrainingOptions o, string deepSpeedPath) => new FlatYaml()
        .Comment("model").Add("model_name_or_path", o.ModelNameOrPath).Add("trust_remote_code", true).Blank()
        .Comment("method").Add("stage", "sft").Add("do_train", true).Add("finetuning_type", "full")
        .Add("deepspeed", deepSpeedPath).Blank()
        .Comment("dataset").Add("dataset", o.DatasetName).Add("dataset_dir", Path.GetFullPath(o.DataDirectory))
        .Add("template", o.Template).Add("cutoff_len", o.CutoffLength).Add("overwrite_cache", true)
        .Add("preprocessing_num_workers", 16).Blank()
        .Comment("output").Add("output_dir", Path.GetFullPath(Path.Combine(o.OutputDirectory, "checkpoints")))
        .Add("logging_steps", 1).Add("save_strategy", "epoch").Add("plot_loss", true).Add("overwrite_output_dir", true)
        .Add("report_to", "none").Blank()
        .Comment("train").Add("per_device_train_batch_size", o.PerDeviceBatchSize)
        .Add("gradient_accumulation_steps", o.GradientAccumulationSteps).Add("learning_rate", o.LearningRate)
        .Add("num_train_epochs", (double)o.Epochs).Add("lr_scheduler_type", o.LrScheduler).Add("warmup_ratio", o.WarmupRatio)
        .Add("bf16", true).Add("gradient_checkpointing", true).Add("ddp_timeout", 180000000).Add("seed", o.Seed)
        .ToString();

    /// <summary>The TRL <c>trl sft --config</c> YAML (SFTConfig, ModelConfig and ScriptArguments fields).</summary>
    public static string TrlYaml(EngineTrainingOptions o) => new FlatYaml()
        .Add("model_name_or_path", o.ModelNameOrPath)
        // A local folder of *.jsonl loads as the train split (datasets' json builder): the export's messages rows.
        .Add("dataset_name", Path.GetFullPath(o.DataDirectory))
        .Add("output_dir", Path.GetFullPath(Path.Combine(o.OutputDirectory, "checkpoints")))
        .Add("max_length", o.CutoffLength).Add("learning_rate", o.LearningRate).Add("num_train_epochs", (double)o.Epochs)
        .Add("per_device_train_batch_size", o.PerDeviceBatchSize)
        .Add("gradient_accumulation_steps", o.GradientAccumulationSteps).Add("lr_scheduler_type", o.LrScheduler)
        .Add("warmup_ratio", o.WarmupRatio).Add("bf16", true).Add("gradient_checkpointing", true)
        // Loss on the assistant turn only (the trajectory), as LLaMA-Factory's default train_on_prompt: false. TRL needs
        // a chat template with {% generation %} markers for it; pass one with chat_template_path if the student's lacks them.
        .Add("assistant_only_loss", true).Add("logging_steps", 1).Add("save_strategy", "epoch")
        .Add("report_to", "none").Add("seed", o.Seed)
        .ToString();

    private static EngineConfig WriteLlamaFactory(EngineTrainingOptions o)
    {
        Directory.CreateDirectory(o.OutputDirectory);
        var deepSpeed = Path.GetFullPath(Path.Combine(o.OutputDirectory, "ds_z3_config.json"));
        File.WriteAllText(deepSpeed, DeepSpeedZero3Json());
        var config = Path.GetFullPath(Path.Combine(o.OutputDirectory, "llamafactory_sft.yaml"));
        File.WriteAllText(config, LlamaFactoryYaml(o, deepSpeed));
        return new EngineConfig(config, [config, deepSpeed], "llamafactory-cli", ["train", config]);
    }

    private static EngineConfig WriteTrl(EngineTrainingOptions o)
    {
        Directory.CreateDirectory(o.OutputDirectory);
        var config = Path.GetFullPath(Path.Combine(o.OutputDirectory, "trl_sft.yaml"));
        File.WriteAllText(config, TrlYaml(o));
        return new EngineConfig(config, [config], "trl", ["sft", "--config", config]);
    }

    /// <summary>DeepSpeed ZeRO-3 as LLaMA-Factory's examples/deepspeed/ds_z3_config.json ("auto" defers to the trainer).</summary>
    public static string DeepSpeedZero3Json() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["train_batch_size"] = "auto",
        ["train_micro_batch_size_per_gpu"] = "auto",
        ["gradient_accumulation_steps"] = "auto",
        ["gradient_clipping"] = "auto",
        ["zero_allow_untested_optimizer"] = true,
        ["bf16"] = new Dictionary<string, object> { ["enabled"] = "auto" },
        ["zero_optimization"] = new Dictionary<string, object>
        {
            ["stage"] = 3,
            ["overlap_comm"] = false,
            ["contiguous_gradients"] = true,
            ["sub_group_size"] = 1e9,
            ["reduce_bucket_size"] = "auto",
            ["stage3_prefetch_bucket_size"] = "auto",
            ["stage3_param_persistence_threshold"] = "auto",
            ["stage3_max_live_parameters"] = 1e9,
            ["stage3_max_reuse_distance"] = 1e9,
            ["stage3_gather_16bit_weights_on_model_save"] = true,
        },
    }, new JsonSerializerOptions { WriteIndented = true });
}
