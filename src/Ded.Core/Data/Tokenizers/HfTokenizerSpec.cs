using System.Text.Json;

namespace Ded.Data.Tokenizers;

/// <summary>The parts of a Hugging Face tokenizer.json that a byte-level BPE needs, checked field by field.</summary>
internal sealed record HfTokenizerSpec(
    IReadOnlyDictionary<string, int> Vocabulary,
    IReadOnlyList<string> Merges,
    IReadOnlyDictionary<string, int> AddedTokens,
    string SplitPattern,
    bool IsNfc)
{
    public static HfTokenizerSpec Read(JsonElement root, string path)
    {
        var model = Require(root, "model", path);
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type != "BPE")
            throw Bad(path, "model.type", $"is '{type}'; only byte-level BPE (Qwen, DeepSeek-R1-Distill-Qwen, Llama 3) is supported");
        return new HfTokenizerSpec(
            ReadVocabulary(Require(model, "vocab", path)),
            ReadMerges(Require(model, "merges", path), path),
            ReadAddedTokens(root),
            ReadSplitPattern(root, path),
            root.TryGetProperty("normalizer", out var n) && n.ValueKind == JsonValueKind.Object
                && n.GetProperty("type").GetString() == "NFC");
    }

    private static Dictionary<string, int> ReadVocabulary(JsonElement vocab)
    {
        var result = new Dictionary<string, int>(capacity: 160_000, StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
            result[entry.Name] = entry.Value.GetInt32();
        return result;
    }

    // Newer tokenizer.json files store a merge as ["a", "b"], older ones as "a b"; BpeOptions wants "a b".
    private static List<string> ReadMerges(JsonElement merges, string path)
    {
        var result = new List<string>(merges.GetArrayLength());
        foreach (var merge in merges.EnumerateArray())
            result.Add(merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!,
                JsonValueKind.Array => merge[0].GetString() + " " + merge[1].GetString(),
                _ => throw Bad(path, "model.merges", $"entry {result.Count} is {merge.ValueKind}; expected \"a b\" or [\"a\", \"b\"]"),
            });
        return result;
    }

    private static Dictionary<string, int> ReadAddedTokens(JsonElement root)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("added_tokens", out var added))
            foreach (var token in added.EnumerateArray())
                result[token.GetProperty("content").GetString()!] = token.GetProperty("id").GetInt32();
        return result;
    }

    // Qwen: Sequence[Split(regex, Isolated), ByteLevel(use_regex=false)]. GPT-2 style ByteLevel(use_regex=true) uses
    // GPT-2's own pattern. Other shapes are refused rather than tokenized differently from Hugging Face.
    private static string ReadSplitPattern(JsonElement root, string path)
    {
        var pre = Require(root, "pre_tokenizer", path);
        var parts = pre.GetProperty("type").GetString() == "Sequence"
            ? pre.GetProperty("pretokenizers").EnumerateArray().ToList()
            : [pre];
        string? pattern = null;
        foreach (var part in parts)
        {
            switch (part.GetProperty("type").GetString())
            {
                case "Split" when part.GetProperty("behavior").GetString() == "Isolated":
                    pattern = part.GetProperty("pattern").GetProperty("Regex").GetString();
                    break;
                case "ByteLevel" when part.TryGetProperty("use_regex", out var r) && r.GetBoolean():
                    pattern = Gpt2Pattern;
                    break;
                case "ByteLevel":
                    break;
                default:
                    throw Bad(path, "pre_tokenizer", $"part '{part.GetProperty("type").GetString()}' is not supported (expected Split(Isolated) + ByteLevel)");
            }
        }
        return pattern ?? throw Bad(path, "pre_tokenizer", "has no Split regex or ByteLevel(use_regex=true)");
    }

    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static JsonElement Require(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw Bad(path, name, "is missing");

    private static InvalidDataException Bad(string path, string field, string what) =>
        new($"{path}: {field} {what}");
}
