using System.Runtime.CompilerServices;
using System.Text.Json;
using Parquet;
using Parquet.Serialization;

namespace Ded.Data.Pools;

/// <summary>One raw record of a pool file and where it is (for error messages and lineage).</summary>
internal readonly record struct PoolRecord(JsonElement Value, string Location, long Index);

/// <summary>Streams the raw records of JSONL, JSON-array and Parquet files, one record (or row group) at a time.</summary>
internal static class PoolRecordReader
{
    public static IAsyncEnumerable<PoolRecord> ReadAsync(string path, CancellationToken ct) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" => ReadJsonLinesAsync(path, ct),
            ".json" => StartsWithArray(path) ? ReadJsonArrayAsync(path, ct) : ReadJsonLinesAsync(path, ct),
            ".parquet" => ReadParquetAsync(path, ct),
            var ext => throw new NotSupportedException($"{path}: unknown pool format '{ext}'; use {FormatNames}"),
        };

    /// <summary>The file endings read, for recipe checks and messages.</summary>
    private static readonly IReadOnlyList<string> Formats = [".jsonl", ".ndjson", ".json", ".parquet"];

    public const string FormatNames = ".jsonl, .ndjson, .json (array) or .parquet";

    /// <summary>Whether the file's ending is one of <see cref="Formats"/> (checked at recipe load, before any work).</summary>
    public static bool CanRead(string path) => Formats.Contains(Path.GetExtension(path).ToLowerInvariant());

    private static async IAsyncEnumerable<PoolRecord> ReadJsonLinesAsync(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = Utf8Text.OpenReader(path); // strict: a corrupted byte is an error at its line, not U+FFFD
        var line = 0L;
        var index = 0L;
        while (await Utf8Text.ReadLineAsync(reader, path, ct) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            yield return new PoolRecord(ParseLine(text, path, line), $"{path}:{line}", index++);
        }
    }

    private static JsonElement ParseLine(string text, string path, long line)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}:{line}: expected a JSON object, got {doc.RootElement.ValueKind}");
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{line}: invalid JSON at byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}", e);
        }
    }

    private static async IAsyncEnumerable<PoolRecord> ReadJsonArrayAsync(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        var items = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: ct);
        await using var e = items.GetAsyncEnumerator(ct);
        for (var index = 0L; ; index++)
        {
            try
            {
                if (!await e.MoveNextAsync()) yield break;
            }
            catch (JsonException x)
            {
                throw new InvalidDataException($"{path}:{x.LineNumber + 1}: invalid JSON at byte {x.BytePositionInLine + 1} (array element {index}): {FirstSentence(x.Message)}", x);
            }
            if (e.Current.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}[{index}]: expected a JSON object, got {e.Current.ValueKind}");
            yield return new PoolRecord(e.Current, $"{path}[{index}]", index);
        }
    }

    // Row group by row group: memory is bounded by the largest row group, not the file.
    private static async IAsyncEnumerable<PoolRecord> ReadParquetAsync(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        var groups = await RowGroupCountAsync(stream, path, ct);
        var index = 0L;
        for (var group = 0; group < groups; group++)
        {
            stream.Position = 0;
            var result = await ParquetSerializer.DeserializeUntypedAsync(stream, rowGroupIndex: group, cancellationToken: ct);
            var row = 0;
            foreach (var record in result.Data)
                yield return new PoolRecord(JsonSerializer.SerializeToElement(record), $"{path}#{group}:{row++}", index++);
        }
    }

    /// <exception cref="InvalidDataException">The file is not Parquet (Parquet.Net says so with a plain IOException).</exception>
    private static async Task<int> RowGroupCountAsync(Stream stream, string path, CancellationToken ct)
    {
        try
        {
            await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: ct);
            return reader.RowGroupCount;
        }
        catch (IOException e) when (e.GetType() == typeof(IOException))
        {
            throw new InvalidDataException($"{path}: is not a Parquet file Ded can read ({e.Message}); download it again or point `path` at another file", e);
        }
    }

    private static bool StartsWithArray(string path)
    {
        using var reader = new StreamReader(path);
        int c;
        while ((c = reader.Read()) >= 0)
            if (!char.IsWhiteSpace((char)c)) return c == '[';
        return false;
    }

    // System.Text.Json appends its own 0-based "Path: … | LineNumber: …"; ours (1-based, with the file) replaces it.
    private static string FirstSentence(string message)
    {
        foreach (var marker in (string[])[" Path:", " LineNumber:"])
            if (message.IndexOf(marker, StringComparison.Ordinal) is var cut and > 0) message = message[..cut];
        return message;
    }
}
