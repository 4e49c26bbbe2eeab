using System.Text.Json;
using System.Text.Json.Nodes;
using Ded.Data.Pools;

namespace Ded.Data.Dedup;

/// <summary>Counts from a decontamination pass over a file.</summary>
public sealed record DecontaminationSummary(int Rows, int Contaminated, int BenchmarkQuestions, int BenchmarkNgrams);

/// <summary>`ded decontaminate`: every input row written back with <c>contaminated</c> and <c>matches</c>.</summary>
public static class DecontaminationFile
{
    /// <summary>
    /// Reads <paramref name="input"/> (JSONL, JSON array or Parquet), checks each row's text (<paramref name="field"/>, or
    /// problem/question/prompt) against the benchmarks, and writes JSONL rows: the input fields, <c>contaminated</c>
    /// and <c>matches</c> (<c>rule</c>, <c>benchmark</c>, <c>row_id</c>, <c>evidence</c>).
    /// </summary>
    public static async Task<DecontaminationSummary> RunAsync(string input, IReadOnlyList<string> benchmarks, string output,
        string? field, DecontaminationOptions options, CancellationToken ct)
    {
        if (!File.Exists(input)) throw new FileNotFoundException($"{input}: input file not found", input);
        var decontaminator = new Decontaminator(await BenchmarkSet.LoadAsync(benchmarks, null, ct), options);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await using var writer = new StreamWriter(output);
        int rows = 0, flagged = 0;
        await foreach (var record in PoolRecordReader.ReadAsync(input, ct))
        {
            var matches = decontaminator.Check(BenchmarkSet.TextOf(record, field, "name one with --field"));
            var node = JsonNode.Parse(record.Value.GetRawText())!.AsObject();
            node["contaminated"] = matches.Count > 0;
            node["matches"] = new JsonArray(matches.Select(ToJson).ToArray());
            await writer.WriteLineAsync(node.ToJsonString(JsonLines.Options).AsMemory(), ct);
            rows++;
            if (matches.Count > 0) flagged++;
        }
        return new DecontaminationSummary(rows, flagged, decontaminator.BenchmarkCount, decontaminator.NgramCount);
    }

    private static JsonNode ToJson(ContaminationMatch m) => new JsonObject
    {
        ["rule"] = m.Rule,
        ["benchmark"] = m.Benchmark,
        ["row_id"] = m.RowId,
        ["evidence"] = m.Evidence,
    };
}
