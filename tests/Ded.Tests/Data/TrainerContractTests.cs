using System.Text.Json;
using System.Text.RegularExpressions;
using Ded.Data.Engines;
using Ded.Rollouts;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using static Ded.Tests.Data.EngineConfigTests;
using F = Ded.Tests.Data.UpstreamTrainerFields;

namespace Ded.Tests.Data;

/// <summary>
/// The configs `ded train` writes, checked by the rules of the code that reads them: LLaMA-Factory's argument parser,
/// dataset list and sharegpt converter; TRL's parser, dataset mixture and chat-template handling; datasets' builder
/// resolution; Accelerate's DeepSpeed config as TRL ships it. Each rule names the upstream file it follows; the
/// export is a real one, written by Ded's stages.
/// </summary>
public sealed class TrainerContractTests(ExportFixture export) : IClassFixture<ExportFixture>
{
    private readonly string _exports = export.Exports;

    private EngineConfig Write(TrainingEngine engine, string template = "deepseekr1") => EngineConfigWriter.Write(engine, new EngineTrainingOptions
    {
        ModelNameOrPath = "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", DataDirectory = _exports,
        OutputDirectory = Path.Combine(export.Dir, "train-" + template), Template = template,
    });

    // hiyouga/LLaMA-Factory@ff6d4d1:src/llamafactory/hparams/parser.py: _parse_args → HfArgumentParser.parse_dict(args,
    // allow_extra_keys=False) over ModelArguments, DataArguments, TrainingArguments, FinetuningArguments, GeneratingArguments.
    [Fact]
    public void LlamaFactory_keys_are_all_fields_of_its_hparams_or_of_TrainingArguments_in_v4_and_v5()
    {
        var keys = LoadMapping(Write(TrainingEngine.LlamaFactory).ConfigPath).Children.Keys.Select(k => ((YamlScalarNode)k).Value!);
        Assert.All(keys, key => Assert.True(F.LlamaFactoryKeys.Contains(key),
            $"'{key}' is no field of {F.LlamaFactory} hparams, nor of {F.TransformersV4} in both v4 and v5 ({F.TransformersV5})"));
    }

    // hiyouga/LLaMA-Factory@ff6d4d1:src/llamafactory/data/parser.py get_dataset_list, and data/loader.py
    // _load_single_dataset for load_from "file"; hparams/data_args.py splits `dataset` on commas.
    [Fact]
    public void LlamaFactory_finds_the_dataset_as_get_dataset_list_and_the_loader_do()
    {
        var yaml = Load(Write(TrainingEngine.LlamaFactory).ConfigPath);
        var datasetDir = yaml["dataset_dir"];
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(datasetDir, "dataset_info.json"))); // DATA_CONFIG
        foreach (var name in yaml["dataset"].Split(',').Select(n => n.Trim()))
        {
            Assert.True(info.RootElement.TryGetProperty(name, out var entry), $"ValueError: Undefined dataset {name} in dataset_info.json.");
            Assert.DoesNotContain(entry.EnumerateObject(), p => p.Name is "hf_hub_url" or "ms_hub_url" or "om_hub_url" or "script_url" or "cloud_file_name");
            var local = Path.Combine(datasetDir, entry.GetProperty("file_name").GetString()!);
            Assert.True(File.Exists(local), $"ValueError: File {local} not found.");
            Assert.Contains(Path.GetExtension(local)[1..], new[] { "arrow", "csv", "json", "jsonl", "parquet", "txt" }); // FILEEXT2TYPE
        }
    }

    // hiyouga/LLaMA-Factory@ff6d4d1:src/llamafactory/data/parser.py DatasetAttr (defaults, join) and
    // data/converter.py SharegptDatasetConverter: odd turns user/observation, even turns assistant/function, an even
    // count, else the row is skipped as broken.
    [Fact]
    public void LlamaFactory_sharegpt_rows_pass_the_converter_unbroken_with_their_reasoning()
    {
        var yaml = Load(Write(TrainingEngine.LlamaFactory).ConfigPath);
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(yaml["dataset_dir"], "dataset_info.json")));
        var entry = info.RootElement.GetProperty(yaml["dataset"]);
        Assert.Equal("sharegpt", entry.GetProperty("formatting").GetString());
        var attr = Attr(entry);
        using var rows = JsonDocument.Parse(File.ReadAllText(Path.Combine(yaml["dataset_dir"], entry.GetProperty("file_name").GetString()!)));
        Assert.NotEmpty(rows.RootElement.EnumerateArray());
        foreach (var row in rows.RootElement.EnumerateArray())
        {
            var messages = row.GetProperty(attr["messages"]).EnumerateArray().ToList();
            var system = messages.Count > 0 && messages[0].GetProperty(attr["role_tag"]).GetString() == attr["system_tag"];
            if (system) messages = messages[1..];
            else if (attr.TryGetValue("system", out var systemColumn)) Assert.Equal(JsonValueKind.String, row.GetProperty(systemColumn).ValueKind);
            for (var i = 0; i < messages.Count; i++)
            {
                var role = messages[i].GetProperty(attr["role_tag"]).GetString();
                string[] accepted = i % 2 == 0 ? [attr["user_tag"], attr["observation_tag"]] : [attr["assistant_tag"], attr["function_tag"]];
                Assert.True(accepted.Contains(role), $"Invalid role tag {role} at turn {i}");
                Assert.Equal(JsonValueKind.String, messages[i].GetProperty(attr["content_tag"]).ValueKind);
            }
            Assert.True(messages.Count % 2 == 0, "Invalid message count");
            Assert.True(ThinkBlock.Parse(messages[^1].GetProperty(attr["content_tag"]).GetString()!).IsStrictlyPaired);
        }
    }

    /// <summary>DatasetAttr's sharegpt column and tag names after <c>join</c> with the entry's columns and tags.</summary>
    private static Dictionary<string, string> Attr(JsonElement entry)
    {
        var attr = new Dictionary<string, string>
        {
            ["messages"] = "conversations", ["role_tag"] = "from", ["content_tag"] = "value", ["user_tag"] = "human",
            ["assistant_tag"] = "gpt", ["observation_tag"] = "observation", ["function_tag"] = "function_call", ["system_tag"] = "system",
        };
        foreach (var section in new[] { "columns", "tags" })
            if (entry.TryGetProperty(section, out var values))
                foreach (var p in values.EnumerateObject()) attr[p.Name] = p.Value.GetString()!;
        return attr;
    }

    // hiyouga/LLaMA-Factory@ff6d4d1:src/llamafactory/data/template.py register_template names Ded documents.
    [Theory]
    [InlineData("deepseekr1")]
    [InlineData("qwen3")]
    [InlineData("qwen")]
    public void LlamaFactory_template_is_written_as_given(string template) =>
        Assert.Equal(template, Load(Write(TrainingEngine.LlamaFactory, template).ConfigPath)["template"]);

    // huggingface/trl@f2cd577:trl/scripts/sft.py make_parser → TrlParser((ScriptArguments, SFTConfig, ModelConfig,
    // DatasetMixtureConfig)); trl/scripts/utils.py set_defaults_with_config returns unconsumed keys, which `trl sft`
    // (trl/cli/commands/training.py) hands to `accelerate launch`.
    [Fact]
    public void Trl_keys_are_all_fields_of_SFTConfig_ModelConfig_the_script_arguments_or_TrainingArguments_in_v4_and_v5()
    {
        var yaml = LoadMapping(Write(TrainingEngine.Trl).ConfigPath);
        Assert.All(yaml.Children.Keys.Select(k => ((YamlScalarNode)k).Value!), key => Assert.True(F.TrlKeys.Contains(key),
            $"'{key}' is no field of {F.Trl} SFTConfig/ModelConfig/ScriptArguments/DatasetMixtureConfig, nor of {F.TransformersV4} in both v4 and v5"));
        var item = Assert.Single((YamlSequenceNode)yaml.Children[new YamlScalarNode("datasets")]);
        Assert.All(((YamlMappingNode)item).Children.Keys, k => Assert.Contains(((YamlScalarNode)k).Value!, F.TrlDatasetConfig));
    }

    // huggingface/trl@f2cd577:trl/scripts/utils.py get_dataset → datasets.load_dataset(path, name, data_dir, data_files,
    // split); huggingface/datasets@b7cb10b:src/datasets/load.py dataset_module_factory: a packaged module name (json)
    // takes exactly the data_files given; a local folder goes to infer_module_for_data_files_list instead.
    [Fact]
    public void Trl_config_makes_datasets_load_the_messages_jsonl_and_nothing_else()
    {
        var yaml = LoadMapping(Write(TrainingEngine.Trl).ConfigPath);
        Assert.False(yaml.Children.ContainsKey(new YamlScalarNode("dataset_name")), "dataset_name would make load_dataset read a folder");
        var item = (YamlMappingNode)((YamlSequenceNode)yaml.Children[new YamlScalarNode("datasets")]).Single();
        string Field(string key) => ((YamlScalarNode)item.Children[new YamlScalarNode(key)]).Value!;
        Assert.Equal(("json", "train"), (Field("path"), Field("split")));
        var files = LoadedFiles(Field("path"), Field("data_files"));
        Assert.Equal([Path.Combine(_exports, ExportFixture.DatasetName + ".trl.jsonl")], files);
        // trl/data_utils.py is_conversational, which SFTTrainer requires for assistant_only_loss.
        Assert.All(File.ReadLines(files[0]).Where(l => l.Length > 0), line =>
        {
            using var row = JsonDocument.Parse(line);
            var messages = row.RootElement.GetProperty("messages");
            Assert.Equal(JsonValueKind.Array, messages.ValueKind);
            Assert.All(messages.EnumerateArray(), m => Assert.True(m.TryGetProperty("role", out _) && m.TryGetProperty("content", out _)));
            Assert.True(ThinkBlock.Parse(messages.EnumerateArray().Last().GetProperty("content").GetString()!).IsStrictlyPaired);
        });
    }

    [Fact]
    public void A_folder_would_have_loaded_the_wrong_files()
    {
        // What the earlier config (dataset_name: <exports folder>) made datasets read from Ded's export folder.
        var files = LoadedFiles(_exports, null);
        Assert.NotEqual([Path.Combine(_exports, ExportFixture.DatasetName + ".trl.jsonl")], files);
    }

    /// <summary>
    /// The files <c>load_dataset(path, data_files=…)</c> reads, by datasets@b7cb10b's rules: a packaged module name
    /// reads its data_files; a local folder's files are counted by every suffix (src/datasets/load.py
    /// infer_module_for_data_files_list: most common first, ties to .parquet, .lance, .arrow, .jsonl, .json, .csv),
    /// and the winning module reads every file with one of its extensions (packaged_modules/__init__.py).
    /// </summary>
    private static string[] LoadedFiles(string path, string? dataFiles)
    {
        var moduleExtensions = new Dictionary<string, string[]>
        {
            ["json"] = [".json", ".jsonl", ".ndjson"], ["parquet"] = [".parquet", ".geoparquet", ".gpq"], ["csv"] = [".csv", ".tsv"],
            ["arrow"] = [".arrow"], ["text"] = [".txt"],
        };
        if (moduleExtensions.ContainsKey(path)) return [Path.GetFullPath(dataFiles!)];
        var all = Directory.GetFiles(path).Order(StringComparer.Ordinal).ToArray();
        string[] favourites = [".parquet", ".lance", ".arrow", ".jsonl", ".json", ".csv"];
        var winner = all.SelectMany(f => Path.GetFileName(f).Split('.')[1..].Select(s => "." + s.ToLowerInvariant()))
            .GroupBy(e => e).OrderByDescending(g => g.Count()).ThenBy(g => Array.IndexOf(favourites, g.Key) is var i and >= 0 ? i : 99)
            .ThenByDescending(g => g.Key, StringComparer.Ordinal)
            .Select(g => moduleExtensions.FirstOrDefault(m => m.Value.Contains(g.Key)).Key).First(m => m is not null);
        return all.Where(f => moduleExtensions[winner!].Contains(Path.GetExtension(f).ToLowerInvariant())).ToArray();
    }

    // huggingface/trl@f2cd577:trl/chat_template_utils.py get_training_chat_template patches only templates it knows
    // verbatim (DeepSeek-R1-Distill's is not one) and has_generation_markers; trl/trainer/sft_trainer.py reads
    // chat_template_path as a Jinja file when it ends in .jinja or .j2.
    [Fact]
    public void Trl_gets_a_training_chat_template_for_a_DeepSeek_R1_student()
    {
        var yaml = Load(Write(TrainingEngine.Trl).ConfigPath);
        var path = yaml["chat_template_path"];
        Assert.EndsWith(".jinja", path);
        var template = File.ReadAllText(path);
        Assert.Matches(new Regex(@"\{%-?\s*generation\s*-?%\}"), template);
        // The whole trajectory is the target, its end-of-sentence token with it; the model's own template would cut the
        // reasoning (content.split('</think>')[-1]).
        var generation = Regex.Match(template, @"\{%-?\s*generation\s*-?%\}(.*?)\{%-?\s*endgeneration\s*-?%\}").Groups[1].Value;
        Assert.Equal("{{ message['content'] + '<｜end▁of▁sentence｜>' }}", generation);
        Assert.DoesNotContain("</think>", template);
        Assert.Contains("'<｜User｜>' + message['content']", template);
        Assert.EndsWith("{%- if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}", template);
    }

    [Fact]
    public void Trl_uses_the_students_own_template_where_TRL_patches_it()
    {
        var config = Write(TrainingEngine.Trl, "qwen3");
        Assert.DoesNotContain("chat_template_path", Load(config.ConfigPath).Keys);
        Assert.DoesNotContain(config.Files, f => f.EndsWith(".jinja", StringComparison.Ordinal));
    }

    // huggingface/trl@f2cd577:examples/accelerate_configs/deepspeed_zero3.yaml, and trl/cli/accelerate_config.py
    // resolve_accelerate_config_argument: `--accelerate_config FILE` becomes `accelerate launch --config_file FILE`.
    [Fact]
    public void Trl_gets_ZeRO3_through_an_accelerate_config_beside_it_and_the_launch_command_uses_it()
    {
        var config = Write(TrainingEngine.Trl);
        var at = config.Arguments.ToList().IndexOf("--accelerate_config");
        Assert.True(at > 0, config.CommandLine);
        var accelerate = LoadMapping(config.Arguments[at + 1]);
        Assert.Contains(config.Arguments[at + 1], config.Files);
        string[] upstreamKeys =
        [
            "compute_environment", "debug", "deepspeed_config", "distributed_type", "downcast_bf16", "machine_rank",
            "main_training_function", "mixed_precision", "num_machines", "num_processes", "rdzv_backend", "same_network",
            "tpu_env", "tpu_use_cluster", "tpu_use_sudo", "use_cpu",
        ];
        Assert.Equal(upstreamKeys, accelerate.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal));
        var deepspeed = (YamlMappingNode)accelerate.Children[new YamlScalarNode("deepspeed_config")];
        string Value(YamlMappingNode map, string key) => ((YamlScalarNode)map.Children[new YamlScalarNode(key)]).Value!;
        Assert.Equal(("DEEPSPEED", "3", "true", "bf16", "8"), (Value(accelerate, "distributed_type"), Value(deepspeed, "zero_stage"),
            Value(deepspeed, "zero3_save_16bit_model"), Value(accelerate, "mixed_precision"), Value(accelerate, "num_processes")));
        // 'no' is a string to Accelerate; a bare no would be YAML 1.1's false.
        Assert.Equal(ScalarStyle.DoubleQuoted, ((YamlScalarNode)accelerate.Children[new YamlScalarNode("downcast_bf16")]).Style);
    }
}
