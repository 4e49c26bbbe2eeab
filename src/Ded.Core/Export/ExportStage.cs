using System.Text.Json;
using System.Text.Json.Serialization;
using Ded.Runs;
using Parquet;
using Parquet.Serialization;

namespace Ded.Export;

/// <summary>One exported training example: the question as the user turn, the full teacher response as the reply.</summary>
public sealed class ExportRow
{
    [JsonPropertyName("trajectory_id")] public string TrajectoryId { get; init; } = "";
    [JsonPropertyName("question_id")] public string QuestionId { get; init; } = "";
    [JsonPropertyName("teacher")] public string Teacher { get; init; } = "";
    [JsonPropertyName("question")] public string Question { get; init; } = "";
    [JsonPropertyName("response")] public string Response { get; init; } = "";
}

/// <summary>The files one export wrote.</summary>
public sealed record ExportSummary(int Rows, IReadOnlyList<string> Files);

/// <summary>
/// Writes the selected trajectories (by the recipe's diversity strategy) as LLaMA-Factory sharegpt JSON plus its
/// dataset_info.json entry, TRL `messages` JSONL and Parquet, under the run folder's `exports/`. Rows stream from the
/// store a page at a time into each file (Parquet: one row group per page), so an export of any size holds one page.
/// </summary>
public static class ExportStage
{
    public static Task<ExportSummary> RunAsync(RunStore store, ExportOptions options, string strategy, CancellationToken cancellationToken) =>
        RunAsync(store, options, strategy, "exports", cancellationToken);

    /// <summary>The selection under <paramref name="strategy"/> into <paramref name="folder"/> (relative to the run
    /// folder): the smoke test writes one export per teacher, each a folder a trainer can load.</summary>
    public static Task<ExportSummary> RunAsync(RunStore store, ExportOptions options, string strategy, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return RunCoreAsync(store, options, strategy, folder, cancellationToken);
    }

    private static async Task<ExportSummary> RunCoreAsync(RunStore store, ExportOptions options, string strategy, string folder, CancellationToken ct)
    {
        var files = new List<string>();
        int rows = 0;
        foreach (var format in options.Formats)
        {
            ct.ThrowIfCancellationRequested();
            switch (format)
            {
                case ExportFormat.LlamaFactory:
                    files.Add(await store.WriteFileAtomicallyAsync($"{folder}/{options.DatasetName}.sharegpt.json",
                        async (stream, token) => rows = await WriteLlamaFactoryAsync(store.SelectedPages(strategy), options.System, stream, token), ct));
                    files.Add(store.WriteFileAtomically($"{folder}/dataset_info.json", DatasetInfoJson(options)));
                    break;
                case ExportFormat.Trl:
                    files.Add(await store.WriteFileAtomicallyAsync($"{folder}/{options.DatasetName}.trl.jsonl",
                        async (stream, token) => rows = await WriteTrlAsync(store.SelectedPages(strategy), options.System, stream, token), ct));
                    break;
                case ExportFormat.Parquet:
                    files.Add(await store.WriteFileAtomicallyAsync($"{folder}/{options.DatasetName}.parquet",
                        async (stream, token) => rows = await WriteParquetAsync(store.SelectedPages(strategy), stream, token), ct));
                    break;
            }
        }
        if (options.Formats.Count == 0) rows = store.SelectedCounts(strategy).Trajectories;
        store.SaveMetrics(folder == "exports" ? "export" : "export." + folder, new Dictionary<string, double> { ["rows"] = rows });
        return new ExportSummary(rows, files);
    }

    // Zstd at the default level: smaller than Snappy for long repetitive traces, and every reader has it.
    private static ParquetOptions ParquetOptions(bool append) => new()
    {
        CompressionMethod = CompressionMethod.Zstd,
        CompressionLevel = System.IO.Compression.CompressionLevel.Optimal,
        Append = append,
    };

    /// <summary>LLaMA-Factory sharegpt: a JSON array of {"conversations": [human, gpt], "system"?}, indented.</summary>
    private static async Task<int> WriteLlamaFactoryAsync(IEnumerable<IReadOnlyList<ExportRow>> pages, string? system, Stream stream, CancellationToken ct)
    {
        int rows = 0;
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var page in pages)
        {
            foreach (var row in page)
            {
                json.WriteStartObject();
                json.WriteStartArray("conversations");
                Turn(json, "from", "human", "value", row.Question);
                Turn(json, "from", "gpt", "value", row.Response);
                json.WriteEndArray();
                if (system is not null) json.WriteString("system", system);
                json.WriteEndObject();
            }
            rows += page.Count;
            await json.FlushAsync(ct);
        }
        json.WriteEndArray();
        return rows;
    }

    /// <summary>TRL conversational format: one {"messages": [system?, user, assistant]} per line.</summary>
    private static async Task<int> WriteTrlAsync(IEnumerable<IReadOnlyList<ExportRow>> pages, string? system, Stream stream, CancellationToken ct)
    {
        int rows = 0;
        await using var json = new Utf8JsonWriter(stream);
        foreach (var page in pages)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var row in page)
            {
                json.WriteStartObject();
                json.WriteStartArray("messages");
                if (system is not null) Turn(json, "role", "system", "content", system);
                Turn(json, "role", "user", "content", row.Question);
                Turn(json, "role", "assistant", "content", row.Response);
                json.WriteEndArray();
                json.WriteEndObject();
                json.Flush(); // one JSON value per line: each row is its own document
                stream.WriteByte((byte)'\n');
                json.Reset();
            }
            rows += page.Count;
        }
        return rows;
    }

    /// <summary>Parquet: one row group per page (an empty export is one empty row group, so the file still has its schema).</summary>
    private static async Task<int> WriteParquetAsync(IEnumerable<IReadOnlyList<ExportRow>> pages, Stream stream, CancellationToken ct)
    {
        int rows = 0;
        foreach (var page in pages)
        {
            await ParquetSerializer.SerializeAsync(page, stream, ParquetOptions(append: rows > 0), null, ct);
            rows += page.Count;
        }
        if (rows == 0) await ParquetSerializer.SerializeAsync(Array.Empty<ExportRow>(), stream, ParquetOptions(append: false), null, ct);
        return rows;
    }

    private static void Turn(Utf8JsonWriter json, string roleKey, string role, string textKey, string text)
    {
        json.WriteStartObject();
        json.WriteString(roleKey, role);
        json.WriteString(textKey, text);
        json.WriteEndObject();
    }

    /// <summary>The dataset_info.json entry that lets LLaMA-Factory load the sharegpt file by name.</summary>
    public static string DatasetInfoJson(ExportOptions options)
    {
        var columns = new System.Text.Json.Nodes.JsonObject { ["messages"] = "conversations" };
        if (options.System is not null) columns["system"] = "system";
        var info = new System.Text.Json.Nodes.JsonObject
        {
            [options.DatasetName] = new System.Text.Json.Nodes.JsonObject
            {
                ["file_name"] = $"{options.DatasetName}.sharegpt.json",
                ["formatting"] = "sharegpt",
                ["columns"] = columns,
                ["tags"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["role_tag"] = "from", ["content_tag"] = "value", ["user_tag"] = "human", ["assistant_tag"] = "gpt",
                },
            },
        };
        return info.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
