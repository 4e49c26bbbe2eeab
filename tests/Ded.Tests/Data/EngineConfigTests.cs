using System.Text.Json;
using System.Text.RegularExpressions;
using Ded.Data.Engines;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Ded.Tests.Data;

public sealed class EngineConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ded-engines-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private EngineTrainingOptions Options => new()
    {
        ModelNameOrPath = "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
        DataDirectory = Path.Combine(_dir, "export"),
        OutputDirectory = Path.Combine(_dir, "train"),
    };

    private static Dictionary<string, string> Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return ((YamlMappingNode)yaml.Documents[0].RootNode).Children
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value!);
    }

    // PyYAML's YAML 1.1 float rule: a float needs a dot, or LLaMA-Factory receives a string.
    private static readonly Regex PyYamlFloat = new(@"^[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?$");

    [Fact]
    public void LlamaFactoryYamlHasThePapersSettingsAndOnlyKnownKeys()
    {
        var config = EngineConfigWriter.Write(TrainingEngine.LlamaFactory, Options);
        var yaml = Load(config.ConfigPath);
        Assert.All(yaml.Keys, key => Assert.True(LlamaFactoryArguments.IsKnown(key), $"LLaMA-Factory has no argument '{key}'"));
        Assert.Equal("sft", yaml["stage"]);
        Assert.Equal("true", yaml["do_train"]);
        Assert.Equal("full", yaml["finetuning_type"]);
        Assert.Equal("16384", yaml["cutoff_len"]);
        Assert.Equal("1.0e-5", yaml["learning_rate"]);
        Assert.Equal("10.0", yaml["num_train_epochs"]);
        Assert.Equal("cosine", yaml["lr_scheduler_type"]);
        Assert.Equal("true", yaml["bf16"]);
        Assert.Equal("ded", yaml["dataset"]);
        Assert.Equal("deepseekr1", yaml["template"]);
        Assert.Equal(Path.GetFullPath(Options.DataDirectory), yaml["dataset_dir"]);
        Assert.Equal("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", yaml["model_name_or_path"]);
        Assert.Equal(48, int.Parse(yaml["per_device_train_batch_size"]) * int.Parse(yaml["gradient_accumulation_steps"]) * Options.Gpus);
        Assert.Matches(PyYamlFloat, yaml["learning_rate"]);
        Assert.Matches(PyYamlFloat, yaml["warmup_ratio"]);
        Assert.Equal(["llamafactory-cli", "train", config.ConfigPath], [config.Executable, .. config.Arguments]);
    }

    [Fact]
    public void DeepSpeedConfigIsZero3AndWrittenAlongside()
    {
        var config = EngineConfigWriter.Write(TrainingEngine.LlamaFactory, Options);
        var deepSpeed = Load(config.ConfigPath)["deepspeed"];
        Assert.Equal(Path.Combine(Path.GetFullPath(Options.OutputDirectory), "ds_z3_config.json"), deepSpeed);
        using var doc = JsonDocument.Parse(File.ReadAllText(deepSpeed));
        Assert.Equal(3, doc.RootElement.GetProperty("zero_optimization").GetProperty("stage").GetInt32());
        Assert.Equal("auto", doc.RootElement.GetProperty("bf16").GetProperty("enabled").GetString());
    }

    [Fact]
    public void TrlConfigHasTheSameSettings()
    {
        var config = EngineConfigWriter.Write(TrainingEngine.Trl, Options with { Gpus = 4, PerDeviceBatchSize = 2 });
        var yaml = Load(config.ConfigPath);
        Assert.Equal(("16384", "1.0e-5", "10.0", "2", "6", "true", "true"),
            (yaml["max_length"], yaml["learning_rate"], yaml["num_train_epochs"], yaml["per_device_train_batch_size"],
             yaml["gradient_accumulation_steps"], yaml["bf16"], yaml["assistant_only_loss"]));
        Assert.Equal(Path.GetFullPath(Options.DataDirectory), yaml["dataset_name"]);
        Assert.Equal($"trl sft --config {config.ConfigPath}", config.CommandLine);
    }

    [Fact]
    public void EffectiveBatchThatDoesNotDivideIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => EngineConfigWriter.Write(TrainingEngine.LlamaFactory, Options with { Gpus = 5 }));
        Assert.Equal("effective batch 48 is not a multiple of per-device batch 1 × 5 GPUs; change --gpus or --per-device-batch", e.Message);
    }

    [Fact]
    public void DedEngineIsNotSupportedHere()
    {
        var e = Assert.Throws<NotSupportedException>(() => EngineConfigWriter.Write(TrainingEngine.Ded, Options));
        Assert.Contains("--engine ded", e.Message);
        Assert.False(Directory.Exists(Options.OutputDirectory));
    }

    [Fact]
    public async Task LaunchFailsClearlyWhenTheToolIsNotOnPath()
    {
        var config = new EngineConfig("x.yaml", [], "ded-no-such-tool-xyz", ["train", "x.yaml"]);
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => EngineLauncher.LaunchAsync(config, default));
        Assert.StartsWith("ded-no-such-tool-xyz is not on PATH", e.Message);
    }

    [Theory]
    [InlineData(1.0e-5, "1.0e-5")]
    [InlineData(2.5e-6, "2.5e-6")]
    [InlineData(0.05, "0.05")]
    [InlineData(10.0, "10.0")]
    public void FloatsAreWrittenAsPyYamlFloats(double value, string expected)
    {
        Assert.Equal(expected, FlatYaml.Format(value));
        Assert.Matches(PyYamlFloat, expected);
    }
}
