using System.Text.Json;

namespace Ded.Data.Engines;

/// <summary>One dataset the export stage wrote, as a trainer will load it.</summary>
/// <param name="Folder">The export folder (LLaMA-Factory's <c>dataset_dir</c>).</param>
/// <param name="Name">The <c>dataset_info.json</c> key (LLaMA-Factory), or the file name (TRL).</param>
/// <param name="File">The rows file.</param>
/// <param name="Rows">Training examples in it.</param>
public sealed record ExportedDataset(string Folder, string Name, string File, int Rows);

/// <summary>
/// Finds what a trainer needs in an export folder, and checks it the way the trainer will, so a config Ded writes
/// never names a dataset the trainer cannot load. LLaMA-Factory: the one <c>dataset_info.json</c> entry, resolved as
/// its <c>get_dataset_list</c> and loader do (hiyouga/LlamaFactory src/llamafactory/data/parser.py, loader.py).
/// TRL: the messages JSONL itself.
/// </summary>
public static class ExportFolder
{
    // LLaMA-Factory's FILEEXT2TYPE (src/llamafactory/extras/constants.py): the file types its loader accepts.
    private static readonly string[] LlamaFactoryExtensions = [".arrow", ".csv", ".json", ".jsonl", ".parquet", ".txt"];
    // Entries that load from a hub or a script rather than from dataset_dir.
    private static readonly string[] RemoteKeys = ["hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name"];

    /// <summary>The dataset LLaMA-Factory will train on.</summary>
    /// <param name="data">The export folder, or a run folder (its <c>exports/</c>).</param>
    /// <exception cref="FileNotFoundException">No dataset_info.json, or the file its entry names is missing.</exception>
    /// <exception cref="InvalidDataException">dataset_info.json does not define exactly one local dataset.</exception>
    public static ExportedDataset LlamaFactory(string data)
    {
        var folder = Folder(data);
        var infoPath = Path.Combine(folder, "dataset_info.json");
        if (!File.Exists(infoPath))
            throw new FileNotFoundException($"{folder}: no dataset_info.json; export with `formats: [llamafactory]` and pass the export folder with --data", infoPath);
        var (name, entry) = SingleEntry(infoPath);
        if (RemoteKeys.FirstOrDefault(k => entry.TryGetProperty(k, out _)) is { } remote)
            throw new InvalidDataException($"{infoPath}: {name}.{remote}: Ded writes configs for local exports; its entry needs file_name");
        var file = entry.TryGetProperty("file_name", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! :
            throw new InvalidDataException($"{infoPath}: {name}.file_name: missing; the export writes \"{name}.sharegpt.json\"");
        var path = Path.Combine(folder, file);
        if (!File.Exists(path)) throw new FileNotFoundException($"{infoPath}: {name}.file_name: {path} does not exist", path);
        if (!LlamaFactoryExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
            throw new InvalidDataException($"{infoPath}: {name}.file_name: LLaMA-Factory loads only {string.Join(", ", LlamaFactoryExtensions)} files");
        return new ExportedDataset(folder, name, path, CountRows(path));
    }

    /// <summary>The messages JSONL TRL will train on, checked to be conversational as TRL's <c>is_conversational</c> wants.</summary>
    /// <param name="data">The JSONL, the export folder holding one <c>*.trl.jsonl</c>, or a run folder.</param>
    /// <exception cref="FileNotFoundException">No TRL export, or several.</exception>
    /// <exception cref="InvalidDataException">The first row is not a <c>messages</c> list of role/content turns.</exception>
    public static ExportedDataset Trl(string data)
    {
        var file = TrlFile(data);
        var first = File.ReadLines(file).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l))
            ?? throw new InvalidDataException($"{file}: no examples");
        if (!IsConversational(first))
            throw new InvalidDataException($"{file}:1: messages: expected a list of {{\"role\", \"content\"}} turns (TRL's conversational format)");
        return new ExportedDataset(Path.GetDirectoryName(file)!, Path.GetFileName(file), file, CountRows(file));
    }

    /// <summary>The TRL file in an export folder (<c>*.trl.jsonl</c>), or the file itself.</summary>
    /// <exception cref="FileNotFoundException">No such file, or no TRL export in the folder, or several.</exception>
    public static string TrlFile(string data)
    {
        if (File.Exists(data)) return Path.GetFullPath(data);
        if (Directory.Exists(data))
        {
            var files = Directory.GetFiles(Folder(data), "*.trl.jsonl").Order(StringComparer.Ordinal).ToList();
            if (files.Count == 1) return Path.GetFullPath(files[0]);
            if (files.Count > 1) throw new FileNotFoundException($"{data}: several TRL exports ({string.Join(", ", files.Select(Path.GetFileName))}); pass one with --data FILE");
        }
        throw new FileNotFoundException($"{data}: no TRL export (*.trl.jsonl) found; export with `formats: [trl]` or pass the file with --data");
    }

    /// <summary>A run folder stands for its exports/; anything else is taken as the export folder.</summary>
    private static string Folder(string data)
    {
        var full = Path.GetFullPath(File.Exists(data) ? Path.GetDirectoryName(Path.GetFullPath(data))! : data);
        var exports = Path.Combine(full, "exports");
        return !File.Exists(Path.Combine(full, "dataset_info.json")) && Directory.Exists(exports) ? exports : full;
    }

    private static (string Name, JsonElement Entry) SingleEntry(string infoPath)
    {
        using var doc = ParseJson(infoPath);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{infoPath}: expected a JSON object of dataset entries");
        var entries = doc.RootElement.EnumerateObject().ToList();
        if (entries.Count != 1)
            throw new InvalidDataException($"{infoPath}: defines {entries.Count} datasets ({string.Join(", ", entries.Select(e => e.Name))}); " +
                                           "Ded trains on the one its export wrote: keep only that entry");
        var (name, entry) = (entries[0].Name, entries[0].Value.Clone());
        // why: LLaMA-Factory splits the `dataset` argument on commas (DataArguments.__post_init__).
        if (name.Contains(',') || name.Trim() != name)
            throw new InvalidDataException($"{infoPath}: dataset name \"{name}\" has a comma or edge spaces, which LLaMA-Factory's `dataset` argument cannot carry");
        if (entry.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{infoPath}: {name}: expected an object");
        return (name, entry);
    }

    private static int CountRows(string path)
    {
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            return File.ReadLines(path).Count(l => !string.IsNullOrWhiteSpace(l));
        if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: Ded counts the rows of JSON and JSONL exports only (warmup steps depend on it)");
        using var doc = ParseJson(path);
        return doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.GetArrayLength()
            : throw new InvalidDataException($"{path}: expected a JSON array of examples");
    }

    private static bool IsConversational(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array
                && messages.GetArrayLength() > 0 && messages.EnumerateArray().All(m => m.ValueKind == JsonValueKind.Object
                    && m.TryGetProperty("role", out _) && m.TryGetProperty("content", out _));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})");
        }
    }
}
