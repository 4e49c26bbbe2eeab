using System.Text.Json;
using System.Text.Json.Nodes;
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
/// dataset_info.json entry, TRL `messages` JSONL and Parquet, under the run folder's `exports/`.
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

    /// <summary>Selected trajectories joined with their questions, ordered by question then rank.</summary>
    public static IReadOnlyList<ExportRow> Rows(RunStore store, string strategy)
    {
        var questions = store.Questions().ToDictionary(q => q.Id);
        return store.Selections(strategy).Where(s => s.IsSelected).Select(s =>
        {
            var t = store.Trajectory(s.TrajectoryId)!;
            return new ExportRow
            {
                TrajectoryId = t.Id, QuestionId = t.QuestionId, Teacher = t.Teacher,
                Question = questions[t.QuestionId].Text, Response = t.RawResponse,
            };
        }).ToList();
    }

    private static async Task<ExportSummary> RunCoreAsync(RunStore store, ExportOptions options, string strategy, string folder, CancellationToken ct)
    {
        var rows = Rows(store, strategy);
        var files = new List<string>();
        foreach (var format in options.Formats)
        {
            ct.ThrowIfCancellationRequested();
            switch (format)
            {
                case ExportFormat.LlamaFactory:
                    files.Add(store.WriteFileAtomically($"{folder}/{options.DatasetName}.sharegpt.json", LlamaFactoryJson(rows, options.System)));
                    files.Add(store.WriteFileAtomically($"{folder}/dataset_info.json", DatasetInfoJson(options)));
                    break;
                case ExportFormat.Trl:
                    files.Add(store.WriteFileAtomically($"{folder}/{options.DatasetName}.trl.jsonl", TrlJsonl(rows, options.System)));
                    break;
                case ExportFormat.Parquet:
                    files.Add(await store.WriteFileAtomicallyAsync($"{folder}/{options.DatasetName}.parquet",
                        (stream, token) => ParquetSerializer.SerializeAsync(rows, stream, ParquetOptions, null, token), ct));
                    break;
            }
        }
        store.SaveMetrics(folder == "exports" ? "export" : "export." + folder, new Dictionary<string, double> { ["rows"] = rows.Count });
        return new ExportSummary(rows.Count, files);
    }

    // Zstd at the default level: smaller than Snappy for long repetitive traces, and every reader has it.
    private static ParquetOptions ParquetOptions => new()
    {
        CompressionMethod = CompressionMethod.Zstd,
        CompressionLevel = System.IO.Compression.CompressionLevel.Optimal,
    };

    /// <summary>LLaMA-Factory sharegpt: a JSON array of {"conversations": [human, gpt], "system"?}.</summary>
    public static string LlamaFactoryJson(IReadOnlyList<ExportRow> rows, string? system)
    {
        var array = new JsonArray();
        foreach (var row in rows)
        {
            var item = new JsonObject
            {
                ["conversations"] = new JsonArray(
                    new JsonObject { ["from"] = "human", ["value"] = row.Question },
                    new JsonObject { ["from"] = "gpt", ["value"] = row.Response }),
            };
            if (system is not null) item["system"] = system;
            array.Add(item);
        }
        return array.ToJsonString(Indented);
    }

    /// <summary>The dataset_info.json entry that lets LLaMA-Factory load the sharegpt file by name.</summary>
    public static string DatasetInfoJson(ExportOptions options)
    {
        var columns = new JsonObject { ["messages"] = "conversations" };
        if (options.System is not null) columns["system"] = "system";
        var info = new JsonObject
        {
            [options.DatasetName] = new JsonObject
            {
                ["file_name"] = $"{options.DatasetName}.sharegpt.json",
                ["formatting"] = "sharegpt",
                ["columns"] = columns,
                ["tags"] = new JsonObject
                {
                    ["role_tag"] = "from", ["content_tag"] = "value", ["user_tag"] = "human", ["assistant_tag"] = "gpt",
                },
            },
        };
        return info.ToJsonString(Indented);
    }

    /// <summary>TRL conversational format: one {"messages": [system?, user, assistant]} per line.</summary>
    public static string TrlJsonl(IReadOnlyList<ExportRow> rows, string? system)
    {
        var lines = rows.Select(row =>
        {
            var messages = new JsonArray();
            if (system is not null) messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = row.Question });
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = row.Response });
            return new JsonObject { ["messages"] = messages }.ToJsonString();
        });
        return string.Concat(lines.Select(l => l + "\n"));
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
