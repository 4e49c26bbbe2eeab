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
    /// <exception cref="FileNotFoundException">The export lacks what the engine loads (see <see cref="ExportFolder"/>).</exception>
    /// <exception cref="InvalidDataException">The export is not what the engine can load.</exception>
    public static EngineConfig Write(TrainingEngine engine, EngineTrainingOptions options)
    {
        if (engine is not (TrainingEngine.LlamaFactory or TrainingEngine.Trl))
            throw new NotSupportedException(
                "--engine ded (Ded's own TorchSharp trainer) is not available from `ded train` yet; use --engine llamafactory or --engine trl");
        _ = options.GradientAccumulationSteps; // why: a batch that does not divide is the user's first mistake to hear of
        return engine == TrainingEngine.LlamaFactory
            ? WriteLlamaFactory(options, ExportFolder.LlamaFactory(options.DataDirectory))
            : WriteTrl(options, ExportFolder.Trl(options.DataDirectory));
    }

    /// <summary>The LLaMA-Factory training YAML: every key a field of its hparams dataclasses or of transformers'
    /// (Seq2Seq)TrainingArguments in both v4 and v5; the dataset is the export's dataset_info.json entry.</summary>
    public static string LlamaFactoryYaml(EngineTrainingOptions o, ExportedDataset data, string deepSpeedPath) => new FlatYaml()
        .Comment("model").Add("model_name_or_path", o.ModelNameOrPath).Add("trust_remote_code", true).Blank()
        .Comment("method").Add("stage", "sft").Add("do_train", true).Add("finetuning_type", "full")
        .Add("deepspeed", deepSpeedPath).Blank()
        .Comment("dataset").Add("dataset", data.Name).Add("dataset_dir", data.Folder)
        .Add("template", o.Template).Add("cutoff_len", o.CutoffLength).Add("overwrite_cache", true)
        .Add("preprocessing_num_workers", 16).Blank()
        .Comment("output").Add("output_dir", Path.GetFullPath(Path.Combine(o.OutputDirectory, "checkpoints")))
        .Add("logging_steps", 1).Add("save_strategy", "epoch").Add("plot_loss", true).Add("overwrite_output_dir", true)
        .Add("report_to", "none").Blank()
        .Comment("train").Add("per_device_train_batch_size", o.PerDeviceBatchSize)
        .Add("gradient_accumulation_steps", o.GradientAccumulationSteps).Add("learning_rate", o.LearningRate)
        .Add("num_train_epochs", (double)o.Epochs).Add("lr_scheduler_type", o.LrScheduler).Add("warmup_steps", o.WarmupSteps(data.Rows))
        .Add("bf16", true).Add("gradient_checkpointing", true).Add("ddp_timeout", 180000000).Add("seed", o.Seed)
        .ToString();

    /// <summary>The TRL <c>trl sft --config</c> YAML (fields of SFTConfig, ModelConfig and DatasetMixtureConfig).</summary>
    /// <param name="chatTemplatePath">A training chat template for students TRL cannot patch (<see cref="TrlChatTemplates"/>), or null.</param>
    public static string TrlYaml(EngineTrainingOptions o, ExportedDataset data, string? chatTemplatePath)
    {
        var yaml = new FlatYaml()
            .Add("model_name_or_path", o.ModelNameOrPath)
            // The messages file itself, through datasets' json builder: load_dataset("json", data_files=FILE, split="train").
            // A folder would make datasets pick one builder by the most common extension and load the wrong files.
            .List("datasets", d => d.Add("path", "json").Add("data_files", data.File).Add("split", "train"))
            .Add("output_dir", Path.GetFullPath(Path.Combine(o.OutputDirectory, "checkpoints")))
            .Add("max_length", o.CutoffLength).Add("learning_rate", o.LearningRate).Add("num_train_epochs", (double)o.Epochs)
            .Add("per_device_train_batch_size", o.PerDeviceBatchSize)
            .Add("gradient_accumulation_steps", o.GradientAccumulationSteps).Add("lr_scheduler_type", o.LrScheduler)
            .Add("warmup_steps", o.WarmupSteps(data.Rows)).Add("bf16", true).Add("gradient_checkpointing", true)
            // Loss on the assistant turn only (the trajectory), as LLaMA-Factory's default train_on_prompt: false.
            .Add("assistant_only_loss", true);
        if (chatTemplatePath is not null) yaml.Add("chat_template_path", chatTemplatePath);
        return yaml.Add("logging_steps", 1).Add("save_strategy", "epoch").Add("report_to", "none").Add("seed", o.Seed).ToString();
    }

    /// <summary>The Accelerate config that runs TRL under DeepSpeed ZeRO-3, as TRL's
    /// examples/accelerate_configs/deepspeed_zero3.yaml, with one process per GPU.</summary>
    public static string AccelerateZero3Yaml(EngineTrainingOptions o) => new FlatYaml()
        .Add("compute_environment", "LOCAL_MACHINE").Add("debug", false)
        .Map("deepspeed_config", d => d.Add("deepspeed_multinode_launcher", "standard").Add("offload_optimizer_device", "none")
            .Add("offload_param_device", "none").Add("zero3_init_flag", true).Add("zero3_save_16bit_model", true).Add("zero_stage", 3))
        .Add("distributed_type", "DEEPSPEED").Add("downcast_bf16", "no").Add("machine_rank", 0)
        .Add("main_training_function", "main").Add("mixed_precision", "bf16").Add("num_machines", 1).Add("num_processes", o.Gpus)
        .Add("rdzv_backend", "static").Add("same_network", true).List("tpu_env").Add("tpu_use_cluster", false)
        .Add("tpu_use_sudo", false).Add("use_cpu", false)
        .ToString();

    private static EngineConfig WriteLlamaFactory(EngineTrainingOptions o, ExportedDataset data)
    {
        Directory.CreateDirectory(o.OutputDirectory);
        var deepSpeed = WriteFile(o, "ds_z3_config.json", DeepSpeedZero3Json());
        var config = WriteFile(o, "llamafactory_sft.yaml", LlamaFactoryYaml(o, data, deepSpeed));
        return new EngineConfig(config, [config, deepSpeed], "llamafactory-cli", ["train", config]);
    }

    private static EngineConfig WriteTrl(EngineTrainingOptions o, ExportedDataset data)
    {
        Directory.CreateDirectory(o.OutputDirectory);
        var template = TrlChatTemplates.For(o.Template) is { } t ? WriteFile(o, t.FileName, t.Text) : null;
        var accelerate = WriteFile(o, "accelerate_zero3.yaml", AccelerateZero3Yaml(o));
        var config = WriteFile(o, "trl_sft.yaml", TrlYaml(o, data, template));
        // why: `trl sft` hands --accelerate_config (a file or a preset name) to `accelerate launch --config_file`.
        return new EngineConfig(config, [config, accelerate, .. template is null ? Array.Empty<string>() : [template]],
            "trl", ["sft", "--config", config, "--accelerate_config", accelerate]);
    }

    private static string WriteFile(EngineTrainingOptions o, string name, string text)
    {
        var path = Path.GetFullPath(Path.Combine(o.OutputDirectory, name));
        File.WriteAllText(path, text);
        return path;
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
