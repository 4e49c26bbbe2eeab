using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Ded.Data.Pools;

/// <summary>Reads a question pool (JSONL, JSON array or Parquet), streaming, mapped by a <see cref="PoolMapping"/>.</summary>
public static class PoolReader
{
    /// <summary>Streams the rows of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file is absent (thrown at once).</exception>
    /// <exception cref="InvalidDataException">While enumerating: a bad record; the message is <c>file:line: field what</c>.</exception>
    public static IAsyncEnumerable<PoolRow> ReadAsync(string path, PoolMapping mapping, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: pool file not found", path);
        return Core(path, mapping, ct);

        static async IAsyncEnumerable<PoolRow> Core(string path, PoolMapping mapping, [EnumeratorCancellation] CancellationToken ct)
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            await foreach (var record in PoolRecordReader.ReadAsync(path, ct))
                yield return PoolRowMapper.Map(record, mapping, stem);
        }
    }
}

/// <summary>Maps one raw record onto a <see cref="PoolRow"/>, failing with <c>location: field what</c>.</summary>
internal static class PoolRowMapper
{
    public static PoolRow Map(PoolRecord record, PoolMapping mapping, string stem)
    {
        var value = record.Value;
        var question = RequireString(record, mapping.QuestionField);
        var row = new PoolRow
        {
            Id = mapping.IdField is { } idField && TryText(value, idField) is { } id ? id : $"{stem}-{record.Index}",
            Question = question,
            Answer = mapping.AnswerField is { } answerField ? ReadAnswer(record, answerField, mapping.AnswerRule) : null,
            Extra = ReadExtra(value, mapping.ExtraFields),
            Source = record.Location,
        };
        return mapping.Shape switch
        {
            PoolShape.MultipleChoice => MultipleChoice.Apply(row, record, mapping),
            PoolShape.CodeTests => CodeTests.Apply(row, record, mapping),
            _ => row,
        };
    }

    public static string RequireString(PoolRecord record, string field) =>
        TryText(record.Value, field) ?? throw Missing(record, field);

    public static InvalidDataException Missing(PoolRecord record, string field)
    {
        var present = string.Join(", ", record.Value.EnumerateObject().Select(p => p.Name).Take(20));
        return new InvalidDataException($"{record.Location}: field '{field}' is missing or null (fields present: {present}); map it or pick another preset");
    }

    /// <summary>A string field's value, a number's or boolean's JSON text, or null when absent or null.</summary>
    public static string? TryText(JsonElement value, string field) =>
        value.TryGetProperty(field, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        } : null;

    private static string? ReadAnswer(PoolRecord record, string field, AnswerRule rule)
    {
        var text = TryText(record.Value, field);
        if (text is null) return null;
        return rule switch
        {
            AnswerRule.LastBoxed => BoxedAnswer.Last(text),
            AnswerRule.LastBoxedOrVerbatim => BoxedAnswer.Last(text) ?? text.Trim(),
            _ => text,
        };
    }

    private static Dictionary<string, string> ReadExtra(JsonElement value, IReadOnlyList<string> fields)
    {
        var extra = new Dictionary<string, string>(fields.Count);
        foreach (var field in fields)
            if (value.TryGetProperty(field, out var v))
                extra[field] = v.GetRawText();
        return extra;
    }
}
