using System.Text.Json.Nodes;

namespace Ded.Data.Tokenizers;

/// <summary>`ded tokenize`: adds <c>ids</c> to each <c>{"text": …}</c> JSONL line.</summary>
public static class TokenizeFile
{
    /// <summary>Tokenizes every line of <paramref name="input"/> into <paramref name="output"/>; returns (lines, tokens).</summary>
    /// <exception cref="InvalidDataException">A line is not JSON or has no string <c>text</c>; the message is <c>file:line: what</c>.</exception>
    public static async Task<(int Lines, long Tokens)> RunAsync(HfTokenizer tokenizer, string input, string output, CancellationToken ct)
    {
        if (!File.Exists(input)) throw new FileNotFoundException($"{input}: input file not found", input);
        using var reader = new StreamReader(input);
        await using var writer = new StreamWriter(output);
        int line = 0, lines = 0;
        long tokens = 0;
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var node = Parse(text, input, line);
            var ids = tokenizer.Encode(TextOf(node, input, line));
            node["ids"] = new JsonArray(ids.Select(i => (JsonNode)i).ToArray());
            await writer.WriteLineAsync(node.ToJsonString(JsonLines.Options).AsMemory(), ct);
            lines++;
            tokens += ids.Count;
        }
        return (lines, tokens);
    }

    private static JsonObject Parse(string text, string path, int line)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException($"{path}:{line}: expected a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path}:{line}: invalid JSON: {e.Message}", e);
        }
    }

    private static string TextOf(JsonObject node, string path, int line) =>
        node["text"] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new InvalidDataException($"{path}:{line}: field 'text' is missing or not a string");
}
