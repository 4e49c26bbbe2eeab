using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ded.Student.Training;

/// <summary>A checkpoint folder: <c>model.safetensors</c> (weights), <c>config.json</c> (model shape, tokenizer,
/// training step) and, when saved by the trainer, <c>optimizer.bin</c> (AdamW moments in TorchSharp's own format,
/// which has no safetensors equivalent for optimizer state).</summary>
public static class Checkpoint
{
    public const string WeightsFile = "model.safetensors", ConfigFile = "config.json", OptimizerFile = "optimizer.bin";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes the model (and optimizer state when given) into <paramref name="dir"/>, creating it.</summary>
    public static void Save(string dir, TinyGpt model, CharTokenizer tokenizer, long step, optim.Optimizer? optimizer = null)
    {
        Directory.CreateDirectory(dir);
        var tensors = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        Safetensors.Write(Path.Combine(dir, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var config = new JsonObject
        {
            ["model"] = JsonSerializer.SerializeToNode(model.Config),
            ["tokenizer"] = JsonNode.Parse(tokenizer.ToJson()),
            ["step"] = step,
        };
        File.WriteAllText(Path.Combine(dir, ConfigFile), config.ToJsonString(Json));
        var optimizerPath = Path.Combine(dir, OptimizerFile);
        if (optimizer is OptimizerHelper helper) helper.save_state_dict(optimizerPath);
        else File.Delete(optimizerPath); // a stale optimizer file must not be resumed against new weights
    }

    /// <summary>Loads the model and tokenizer saved by <see cref="Save"/>. Throws <see cref="FileNotFoundException"/>
    /// when the folder lacks a file and <see cref="FormatException"/> when a weight is missing or misshapen.</summary>
    public static (TinyGpt Model, CharTokenizer Tokenizer, long Step) Load(string dir)
    {
        var configPath = Path.Combine(dir, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{configPath}: no checkpoint config; save a checkpoint there first", configPath);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        var modelConfig = config["model"].Deserialize<TinyGptConfig>() ?? throw new FormatException($"{configPath}: model: missing");
        var tokenizer = CharTokenizer.FromJson(config["tokenizer"]!.ToJsonString());
        long step = (long)config["step"]!;
        var model = new TinyGpt(modelConfig);
        LoadWeights(model, Path.Combine(dir, WeightsFile));
        return (model, tokenizer, step);
    }

    /// <summary>Restores the optimizer state saved beside the weights; false when there is none.</summary>
    public static bool TryLoadOptimizer(string dir, optim.Optimizer optimizer)
    {
        var path = Path.Combine(dir, OptimizerFile);
        if (!File.Exists(path) || optimizer is not OptimizerHelper helper) return false;
        helper.load_state_dict(path);
        return true;
    }

    private static void LoadWeights(TinyGpt model, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: weights missing", path);
        var tensors = Safetensors.Read(path);
        try
        {
            using var noGrad = no_grad();
            foreach (var (name, p) in model.named_parameters())
            {
                if (!tensors.TryGetValue(name, out var t)) throw new FormatException($"{path}: {name}: missing");
                if (!t.shape.SequenceEqual(p.shape))
                    throw new FormatException($"{path}: {name}: shape [{string.Join(",", t.shape)}], model expects [{string.Join(",", p.shape)}]");
                p.copy_(t);
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
