using System.Text.Json;
using System.Text.RegularExpressions;
using Ded.Data.Engines;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Ded.Tests.Data;

public sealed class EngineConfigTests(ExportFixture export) : IClassFixture<ExportFixture>
{
    private readonly string _exports = export.Exports;
    private readonly string _out = Path.Combine(export.Dir, "train-" + Guid.NewGuid().ToString("N")[..8]);

    private EngineTrainingOptions Options => new()
    {
        ModelNameOrPath = "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
        DataDirectory = _exports,
        OutputDirectory = _out,
    };

    /// <summary>The top-level scalars of a YAML file (nested maps and lists left out).</summary>
    internal static Dictionary<string, string> Load(string path) =>
        LoadMapping(path).Children.Where(kv => kv.Value is YamlScalarNode)
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value!);

    internal static YamlMappingNode LoadMapping(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    // PyYAML's YAML 1.1 float rule: a float needs a dot, or LLaMA-Factory receives a string.
    private static readonly Regex PyYamlFloat = new(@"^[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?$");

    [Fact]
    public void LlamaFactoryYamlHasThePapersSettings()
    {
        var config = EngineConfigWriter.Write(TrainingEngine.LlamaFactory, Options);
        var yaml = Load(config.ConfigPath);
        Assert.Equal("sft", yaml["stage"]);
        Assert.Equal("true", yaml["do_train"]);
        Assert.Equal("full", yaml["finetuning_type"]);
        Assert.Equal("16384", yaml["cutoff_len"]);
        Assert.Equal("1.0e-5", yaml["learning_rate"]);
        Assert.Equal("10.0", yaml["num_train_epochs"]);
        Assert.Equal("cosine", yaml["lr_scheduler_type"]);
        Assert.Equal("true", yaml["bf16"]);
        Assert.Equal(ExportFixture.DatasetName, yaml["dataset"]); // the key the export wrote into dataset_info.json
        Assert.Equal("deepseekr1", yaml["template"]);
        Assert.Equal(_exports, yaml["dataset_dir"]);
        Assert.Equal("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", yaml["model_name_or_path"]);
        Assert.Equal(48, int.Parse(yaml["per_device_train_batch_size"]) * int.Parse(yaml["gradient_accumulation_steps"]) * Options.Gpus);
        Assert.Matches(PyYamlFloat, yaml["learning_rate"]);
        Assert.Equal(["llamafactory-cli", "train", config.ConfigPath], [config.Executable, .. config.Arguments]);
    }

    [Fact]
    public void ARunFolderStandsForItsExports()
    {
        var config = EngineConfigWriter.Write(TrainingEngine.LlamaFactory, Options with { DataDirectory = export.RunFolder });
        Assert.Equal(_exports, Load(config.ConfigPath)["dataset_dir"]);
    }

    [Theory]
    [InlineData(0, 1)]    // a tiny export still warms up one step
    [InlineData(48, 1)]   // 1 step per epoch × 10 epochs × 0.05 = 0.5 → 1
    [InlineData(800, 9)]  // ceil(800 / 48) = 17 steps per epoch, 170 in all, 5% = 8.5 → 9
    [InlineData(1000, 11)]
    public void WarmupIsWholeStepsOfTheRatio(int rows, int steps) =>
        Assert.Equal(steps, Options.WarmupSteps(rows));

    [Fact]
    public void BothConfigsWriteWarmupStepsNotTheRatioTransformersV5Dropped()
    {
        var rows = JsonDocument.Parse(File.ReadAllText(Path.Combine(_exports, ExportFixture.DatasetName + ".sharegpt.json"))).RootElement.GetArrayLength();
        foreach (var engine in new[] { TrainingEngine.LlamaFactory, TrainingEngine.Trl })
        {
            var yaml = Load(EngineConfigWriter.Write(engine, Options).ConfigPath);
            Assert.DoesNotContain("warmup_ratio", yaml.Keys);
            Assert.Equal(Options.WarmupSteps(rows).ToString(System.Globalization.CultureInfo.InvariantCulture), yaml["warmup_steps"]);
        }
    }

    [Fact]
    public void AMissingExportIsNamedWithWhatToDo()
    {
        var nowhere = Path.Combine(export.Dir, "nowhere");
        var e = Assert.Throws<FileNotFoundException>(() => EngineConfigWriter.Write(TrainingEngine.LlamaFactory, Options with { DataDirectory = nowhere }));
        Assert.Equal($"{nowhere}: no dataset_info.json; export with `formats: [llamafactory]` and pass the export folder with --data", e.Message);
    }

    [Fact]
    public void ADatasetInfoWithSeveralEntriesIsRefused()
    {
        var merged = Directory.CreateDirectory(Path.Combine(export.Dir, "merged-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var info = Path.Combine(merged, "dataset_info.json");
        File.WriteAllText(info, """{"a": {"file_name": "a.json"}, "b": {"file_name": "b.json"}}""");
        var e = Assert.Throws<InvalidDataException>(() => EngineConfigWriter.Write(TrainingEngine.LlamaFactory, Options with { DataDirectory = merged }));
        Assert.StartsWith($"{info}: defines 2 datasets (a, b)", e.Message);
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
        var accelerate = Path.Combine(Path.GetFullPath(Options.OutputDirectory), "accelerate_zero3.yaml");
        Assert.Equal($"trl sft --config {config.ConfigPath} --accelerate_config {accelerate}", config.CommandLine);
        Assert.Equal("4", Load(accelerate)["num_processes"]);
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
