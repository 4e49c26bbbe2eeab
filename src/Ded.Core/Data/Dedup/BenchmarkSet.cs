using System.Text.Json;
using Ded.Data.Pools;

namespace Ded.Data.Dedup;

/// <summary>Loads evaluation benchmarks (MATH-500, AIME, HumanEval, GPQA, …) as <see cref="BenchmarkQuestion"/>s.</summary>
public static class BenchmarkSet
{
    /// <summary>Text fields tried in order when none is named: the question's usual names across benchmarks.</summary>
    public static IReadOnlyList<string> DefaultTextFields { get; } = ["problem", "question", "prompt", "Question", "question_content"];

    private static readonly string[] IdFields = ["unique_id", "id", "task_id", "problem_id", "question_id", "Record ID"];

    /// <summary>Every row of every file; the benchmark name is the file name, the row id its id field or <c>line N</c>.</summary>
    /// <exception cref="InvalidDataException">A row has none of the text fields; the message names file:line.</exception>
    public static async Task<IReadOnlyList<BenchmarkQuestion>> LoadAsync(IEnumerable<string> paths, string? textField, CancellationToken ct)
    {
        var result = new List<BenchmarkQuestion>();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: benchmark file not found", path);
            var name = Path.GetFileName(path);
            await foreach (var record in PoolRecordReader.ReadAsync(path, ct))
                result.Add(new BenchmarkQuestion(name, RowId(record), TextOf(record, textField, "a benchmark row needs one of them")));
        }
        return result;
    }

    /// <summary>The text of a record: <paramref name="field"/>, or the first of <see cref="DefaultTextFields"/> present.</summary>
    internal static string TextOf(PoolRecord record, string? field, string fix)
    {
        foreach (var f in field is null ? DefaultTextFields : [field])
            if (PoolRowMapper.TryText(record.Value, f) is { } text) return text;
        throw new InvalidDataException(
            $"{record.Location}: no text field ({(field is null ? string.Join(", ", DefaultTextFields) : field)}); {fix}");
    }

    private static string RowId(PoolRecord record)
    {
        foreach (var f in IdFields)
            if (PoolRowMapper.TryText(record.Value, f) is { } id) return id;
        return Path.GetFileName(record.Location); // file:line, file[index] or file#group:row
    }
}
