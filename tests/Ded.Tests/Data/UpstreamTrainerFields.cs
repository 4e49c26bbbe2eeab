namespace Ded.Tests.Data;

/// <summary>
/// The argument names the trainers accept, transcribed from their source at the commits named (the init fields of
/// each dataclass, in source order; fields with <c>init=False</c> left out). Data for the contract tests: a key Ded
/// writes that is in none of these lists is one the trainer's argument parser rejects.
/// </summary>
internal static class UpstreamTrainerFields
{
    public const string LlamaFactory = "hiyouga/LLaMA-Factory@ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30";
    public const string Trl = "huggingface/trl@f2cd57710ae345ea6428ae95363267fcf38a3dc8";
    public const string TransformersV4 = "huggingface/transformers@fd798335c275520af034c678b35e8167820c7c80:src/transformers/training_args.py";
    public const string TransformersV5 = "huggingface/transformers@048bd927cf5b0ea0614cb56aff7f97f1941a6775:MIGRATION_GUIDE_V5.md";

    /// <summary>LLaMA-Factory src/llamafactory/hparams/model_args.py: ModelArguments and its bases.</summary>
    public static readonly string[] LlamaFactoryModel =
    [
        "model_name_or_path", "adapter_name_or_path", "adapter_folder", "cache_dir", "use_fast_tokenizer",
        "resize_vocab", "split_special_tokens", "add_tokens", "add_special_tokens", "new_special_tokens_config",
        "init_special_tokens", "model_revision", "low_cpu_mem_usage", "rope_scaling", "flash_attn", "shift_attn",
        "mixture_of_depths", "use_unsloth", "use_unsloth_gc", "enable_liger_kernel", "moe_aux_loss_coef",
        "disable_gradient_checkpointing", "use_reentrant_gc", "upcast_layernorm", "upcast_lmhead_output",
        "train_from_scratch", "infer_backend", "offload_folder", "use_kv_cache", "use_v1_kernels", "infer_dtype",
        "hf_hub_token", "ms_hub_token", "om_hub_token", "print_param_status", "trust_remote_code",
        "quantization_method", "quantization_bit", "quantization_type", "double_quantization",
        "quantization_device_map", "image_max_pixels", "image_min_pixels", "image_do_pan_and_scan",
        "crop_to_patches", "video_max_pixels", "video_min_pixels", "video_fps", "video_maxlen", "use_audio_in_video",
        "audio_sampling_rate", "export_dir", "export_size", "export_device", "export_quantization_bit",
        "export_quantization_dataset", "export_quantization_nsamples", "export_quantization_maxlen",
        "export_legacy_format", "export_hub_model_id", "vllm_maxlen", "vllm_gpu_util", "vllm_enforce_eager",
        "vllm_max_lora_rank", "vllm_config", "sglang_maxlen", "sglang_mem_fraction", "sglang_tp_size",
        "sglang_config", "sglang_lora_backend", "use_kt", "kt_cpu_activation", "kt_weight_path",
        "kt_non_expert_weight_path", "kt_expert_checkpoint_path", "kt_use_lora_experts", "kt_lora_expert_num",
        "kt_lora_expert_intermediate_size",
    ];

    /// <summary>LLaMA-Factory src/llamafactory/hparams/data_args.py: DataArguments.</summary>
    public static readonly string[] LlamaFactoryData =
    [
        "template", "dataset", "eval_dataset", "dataset_dir", "media_dir", "cutoff_len", "train_on_prompt",
        "mask_history", "streaming", "buffer_size", "mix_strategy", "interleave_probs", "overwrite_cache",
        "preprocessing_batch_size", "preprocessing_num_workers", "max_samples", "eval_num_beams",
        "ignore_pad_token_for_loss", "val_size", "eval_on_each_dataset", "packing", "neat_packing", "tool_format",
        "default_system", "enable_thinking", "preserve_thinking", "tokenized_path", "data_shared_file_system",
    ];

    /// <summary>LLaMA-Factory src/llamafactory/hparams/finetuning_args.py: FinetuningArguments and its bases.</summary>
    public static readonly string[] LlamaFactoryFinetuning =
    [
        "freeze_trainable_layers", "freeze_trainable_modules", "freeze_extra_modules", "additional_target",
        "lora_alpha", "lora_dropout", "lora_rank", "lora_target", "loraplus_lr_ratio", "loraplus_lr_embedding",
        "use_rslora", "use_dora", "pissa_init", "pissa_iter", "pissa_convert", "create_new_adapter",
        "module_dropout", "oft_rank", "oft_block_size", "oft_target", "pref_beta", "pref_ftx", "pref_bco_weight",
        "pref_loss", "dpo_label_smoothing", "kto_chosen_weight", "kto_rejected_weight", "simpo_gamma",
        "ppo_buffer_size", "ppo_epochs", "ppo_score_norm", "ppo_target", "ppo_whiten_rewards", "ref_model",
        "ref_model_adapters", "ref_model_quantization_bit", "reward_model", "reward_model_adapters",
        "reward_model_quantization_bit", "reward_model_type", "ld_alpha", "use_galore", "galore_target",
        "galore_rank", "galore_update_interval", "galore_scale", "galore_proj_type", "galore_layerwise",
        "use_apollo", "apollo_target", "apollo_rank", "apollo_update_interval", "apollo_scale", "apollo_proj",
        "apollo_proj_type", "apollo_scale_type", "apollo_layerwise", "apollo_scale_front", "use_badam", "badam_mode",
        "badam_start_block", "badam_switch_mode", "badam_switch_interval", "badam_update_ratio", "badam_mask_mode",
        "badam_verbose", "use_swanlab", "swanlab_project", "swanlab_workspace", "swanlab_run_name", "swanlab_mode",
        "swanlab_api_key", "swanlab_logdir", "swanlab_lark_webhook_url", "swanlab_lark_secret", "pure_bf16", "stage",
        "finetuning_type", "use_llama_pro", "use_adam_mini", "use_mca", "use_megatron_bridge", "use_hyper_parallel",
        "hyper_parallel_args", "hyper_parallel_cp_size", "use_muon", "use_dft_loss", "use_asft_loss", "asft_alpha",
        "use_eaft_loss", "eaft_alpha", "freeze_vision_tower", "freeze_multi_modal_projector",
        "freeze_language_model", "compute_accuracy", "disable_shuffling", "early_stopping_steps", "plot_loss",
        "include_effective_tokens_per_second",
    ];

    /// <summary>LLaMA-Factory src/llamafactory/hparams/generating_args.py: GeneratingArguments.</summary>
    public static readonly string[] LlamaFactoryGenerating =
    [
        "do_sample", "temperature", "top_p", "top_k", "num_beams", "max_length", "max_new_tokens",
        "repetition_penalty", "length_penalty", "skip_special_tokens",
    ];

    /// <summary>LLaMA-Factory src/llamafactory/hparams/training_args.py: its own TrainingArguments fields, on top of
    /// transformers' Seq2SeqTrainingArguments (it keeps overwrite_output_dir, which transformers v5 removed).</summary>
    public static readonly string[] LlamaFactoryTraining =
    [
        "ray_num_workers", "ray_init_kwargs", "master_addr", "master_port", "enable_torch_profiler",
        "profiler_output_dir", "profiler_wait_steps", "profiler_warmup_steps", "profiler_active_steps",
        "profiler_repeat", "profiler_record_shapes", "profiler_profile_memory", "profiler_with_stack",
        "profile_modules", "fp8", "fp8_backend", "fp8_enable_fsdp_float8_all_gather", "overwrite_output_dir",
    ];

    /// <summary>TRL trl/trainer/sft_config.py SFTConfig and trl/trainer/base_config.py _BaseConfig, on top of
    /// transformers' TrainingArguments.</summary>
    public static readonly string[] TrlSftConfig =
    [
        "learning_rate", "model_init_kwargs", "router_aux_loss_coef", "trust_remote_code", "chat_template_path",
        "dataset_text_field", "dataset_kwargs", "dataset_num_proc", "eos_token", "max_length", "truncation_mode",
        "shuffle_dataset", "packing", "packing_strategy", "padding_free", "pad_to_multiple_of", "eval_packing",
        "completion_only_loss", "assistant_only_loss", "loss_type", "activation_offloading", "pad_token",
        "logging_steps", "gradient_checkpointing", "bf16", "lr_scheduler_kwargs", "use_liger_kernel",
        "torch_empty_cache_steps",
    ];

    /// <summary>TRL trl/trainer/model_config.py: ModelConfig.</summary>
    public static readonly string[] TrlModelConfig =
    [
        "model_name_or_path", "model_revision", "dtype", "attn_implementation", "use_peft", "lora_r", "lora_alpha",
        "lora_dropout", "lora_target_modules", "lora_target_parameters", "lora_modules_to_save", "lora_task_type",
        "use_rslora", "use_dora", "load_in_8bit", "load_in_4bit", "bnb_4bit_quant_type", "use_bnb_nested_quant",
        "bnb_4bit_quant_storage",
    ];

    /// <summary>TRL trl/scripts/utils.py: DatasetMixtureConfig and ScriptArguments (trl/scripts/sft.py parses
    /// ScriptArguments, SFTConfig, ModelConfig, DatasetMixtureConfig).</summary>
    public static readonly string[] TrlScriptArguments =
    [
        "datasets", "streaming", "test_split_size", // DatasetMixtureConfig
        "dataset_name", "dataset_config", "dataset_train_split", "dataset_test_split", "dataset_streaming", "ignore_bias_buffers",
    ];

    /// <summary>DatasetConfig: one item of <c>datasets</c>, passed to <c>datasets.load_dataset</c> as keywords.</summary>
    public static readonly string[] TrlDatasetConfig = ["path", "name", "data_dir", "data_files", "split", "columns", "fraction"];

    /// <summary>transformers v4 TrainingArguments (the init fields; _n_gpu is init=False).</summary>
    public static readonly string[] TrainingArgumentsV4 =
    [
        "output_dir", "overwrite_output_dir", "do_train", "do_eval", "do_predict", "eval_strategy",
        "prediction_loss_only", "per_device_train_batch_size", "per_device_eval_batch_size",
        "per_gpu_train_batch_size", "per_gpu_eval_batch_size", "gradient_accumulation_steps",
        "eval_accumulation_steps", "eval_delay", "torch_empty_cache_steps", "learning_rate", "weight_decay",
        "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm", "num_train_epochs", "max_steps",
        "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_ratio", "warmup_steps", "log_level", "log_level_replica",
        "log_on_each_node", "logging_dir", "logging_strategy", "logging_first_step", "logging_steps",
        "logging_nan_inf_filter", "save_strategy", "save_steps", "save_total_limit", "save_safetensors",
        "save_on_each_node", "save_only_model", "restore_callback_states_from_checkpoint", "no_cuda", "use_cpu",
        "use_mps_device", "seed", "data_seed", "jit_mode_eval", "use_ipex", "bf16", "fp16", "fp16_opt_level",
        "half_precision_backend", "bf16_full_eval", "fp16_full_eval", "tf32", "local_rank", "ddp_backend",
        "tpu_num_cores", "tpu_metrics_debug", "debug", "dataloader_drop_last", "eval_steps",
        "dataloader_num_workers", "dataloader_prefetch_factor", "past_index", "run_name", "disable_tqdm",
        "remove_unused_columns", "label_names", "load_best_model_at_end", "metric_for_best_model",
        "greater_is_better", "ignore_data_skip", "fsdp", "fsdp_min_num_params", "fsdp_config", "tp_size",
        "fsdp_transformer_layer_cls_to_wrap", "accelerator_config", "deepspeed", "label_smoothing_factor", "optim",
        "optim_args", "adafactor", "group_by_length", "length_column_name", "report_to",
        "ddp_find_unused_parameters", "ddp_bucket_cap_mb", "ddp_broadcast_buffers", "dataloader_pin_memory",
        "dataloader_persistent_workers", "skip_memory_metrics", "use_legacy_prediction_loop", "push_to_hub",
        "resume_from_checkpoint", "hub_model_id", "hub_strategy", "hub_token", "hub_private_repo", "hub_always_push",
        "gradient_checkpointing", "gradient_checkpointing_kwargs", "include_inputs_for_metrics",
        "include_for_metrics", "eval_do_concat_batches", "fp16_backend", "evaluation_strategy",
        "push_to_hub_model_id", "push_to_hub_organization", "push_to_hub_token", "mp_parameters",
        "auto_find_batch_size", "full_determinism", "torchdynamo", "ray_scope", "ddp_timeout", "torch_compile",
        "torch_compile_backend", "torch_compile_mode", "dispatch_batches", "split_batches",
        "include_tokens_per_second", "include_num_input_tokens_seen", "neftune_noise_alpha", "optim_target_modules",
        "batch_eval_metrics", "eval_on_start", "use_liger_kernel", "eval_use_gather_object",
        "average_tokens_across_devices",
    ];

    /// <summary>Removed from TrainingArguments in v5 ("Removing arguments ..." sections of the migration guide; warmup_ratio
    /// and logging_dir went in 5.15), plus evaluation_strategy, gone since v4.46.</summary>
    public static readonly string[] RemovedInV5 =
    [
        "mp_parameters", "overwrite_output_dir", "logging_dir", "jit_mode_eval", "tpu_num_cores", "past_index",
        "ray_scope", "warmup_ratio", "fsdp_min_num_params", "fsdp_transformer_layer_cls_to_wrap",
        "tpu_metrics_debug", "push_to_hub_token", "push_to_hub_model_id", "push_to_hub_organization",
        "include_inputs_for_metrics", "per_gpu_train_batch_size", "per_gpu_eval_batch_size", "use_mps_device",
        "fp16_backend", "half_precision_backend", "no_cuda", "include_tokens_per_second",
        "use_legacy_prediction_loop", "evaluation_strategy",
    ];

    /// <summary>TrainingArguments keys that v4 and v5 both accept.</summary>
    public static IReadOnlySet<string> TrainingArgumentsV4AndV5 { get; } = TrainingArgumentsV4.Except(RemovedInV5).ToHashSet();

    /// <summary>Every key <c>llamafactory-cli train</c> accepts (HfArgumentParser.parse_dict with allow_extra_keys=False
    /// over ModelArguments, DataArguments, TrainingArguments, FinetuningArguments, GeneratingArguments).</summary>
    public static IReadOnlySet<string> LlamaFactoryKeys { get; } = LlamaFactoryModel.Concat(LlamaFactoryData).Concat(LlamaFactoryFinetuning)
        .Concat(LlamaFactoryGenerating).Concat(LlamaFactoryTraining).Concat(TrainingArgumentsV4AndV5).ToHashSet();

    /// <summary>Every key <c>trl sft --config</c> consumes (TrlParser over ScriptArguments, SFTConfig, ModelConfig,
    /// DatasetMixtureConfig); any other is passed on to <c>accelerate launch</c>, which rejects it.</summary>
    public static IReadOnlySet<string> TrlKeys { get; } = TrlSftConfig.Concat(TrlModelConfig).Concat(TrlScriptArguments)
        .Concat(TrainingArgumentsV4AndV5).ToHashSet();
}
