namespace Ded.Data.Engines;

/// <summary>
/// Argument names LLaMA-Factory accepts in a training YAML (it parses them into its hparams dataclasses and fails on
/// unknown keys). Source: hiyouga/LlamaFactory src/llamafactory/hparams/data_args.py (checked at commit 1abb59e),
/// model_args.py, finetuning_args.py, and transformers' Seq2SeqTrainingArguments; only the names Ded may write plus
/// their close neighbours are listed, so a typo cannot slip through.
/// </summary>
public static class LlamaFactoryArguments
{
    /// <summary>ModelArguments.</summary>
    public static IReadOnlySet<string> Model { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "model_name_or_path", "adapter_name_or_path", "cache_dir", "use_fast_tokenizer", "resize_vocab",
        "split_special_tokens", "new_special_tokens", "model_revision", "low_cpu_mem_usage", "rope_scaling",
        "flash_attn", "shift_attn", "use_unsloth", "enable_liger_kernel", "disable_gradient_checkpointing",
        "upcast_layernorm", "upcast_lmhead_output", "train_from_scratch", "trust_remote_code", "use_cache",
    };

    /// <summary>DataArguments (data_args.py at 1abb59e).</summary>
    public static IReadOnlySet<string> Data { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "template", "dataset", "eval_dataset", "dataset_dir", "media_dir", "cutoff_len", "train_on_prompt",
        "mask_history", "streaming", "buffer_size", "mix_strategy", "interleave_probs", "overwrite_cache",
        "preprocessing_batch_size", "preprocessing_num_workers", "max_samples", "eval_num_beams",
        "ignore_pad_token_for_loss", "val_size", "eval_on_each_dataset", "packing", "neat_packing", "tool_format",
        "default_system", "enable_thinking", "tokenized_path", "data_shared_file_system",
    };

    /// <summary>FinetuningArguments.</summary>
    public static IReadOnlySet<string> Finetuning { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "stage", "finetuning_type", "use_llama_pro", "use_adam_mini", "freeze_vision_tower", "compute_accuracy",
        "disable_shuffling", "plot_loss", "include_effective_tokens_per_second", "pure_bf16",
        "freeze_trainable_layers", "freeze_trainable_modules", "lora_rank", "lora_alpha", "lora_dropout", "lora_target",
    };

    /// <summary>transformers' (Seq2Seq)TrainingArguments, as LLaMA-Factory passes them through.</summary>
    public static IReadOnlySet<string> Training { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "output_dir", "overwrite_output_dir", "do_train", "do_eval", "do_predict", "eval_strategy", "eval_steps",
        "per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps", "learning_rate",
        "weight_decay", "adam_beta1", "adam_beta2", "max_grad_norm", "num_train_epochs", "max_steps",
        "lr_scheduler_type", "warmup_ratio", "warmup_steps", "logging_steps", "logging_dir", "save_strategy",
        "save_steps", "save_total_limit", "save_only_model", "seed", "bf16", "fp16", "deepspeed", "ddp_timeout",
        "report_to", "run_name", "gradient_checkpointing", "resume_from_checkpoint", "dataloader_num_workers",
        "optim", "predict_with_generate",
    };

    /// <summary>True when LLaMA-Factory has an argument named <paramref name="key"/>.</summary>
    public static bool IsKnown(string key) =>
        Model.Contains(key) || Data.Contains(key) || Finetuning.Contains(key) || Training.Contains(key);
}
