using System.Text.Json;

namespace Ded.Data.Pools;

/// <summary>
/// Reads code tests from the shapes the code datasets use; the field may hold the JSON itself or a string of it:
/// <c>{"test_cases": [{"input", "output"}]}</c> (open-r1 verification_info), <c>{"inputs": [...], "outputs": [...],
/// "fn_name"?}</c> (APPS, TACO) and <c>[{"input", "output"}]</c> (LiveCodeBench).
/// </summary>
internal static class CodeTests
{
    public static PoolRow Apply(PoolRow row, PoolRecord record, PoolMapping mapping)
    {
        var field = mapping.TestsField ?? throw new InvalidDataException($"{record.Location}: pool shape CodeTests needs tests_field");
        if (!record.Value.TryGetProperty(field, out var raw) || raw.ValueKind == JsonValueKind.Null)
            throw PoolRowMapper.Missing(record, field);
        var value = raw.ValueKind == JsonValueKind.String ? ParseEmbedded(raw.GetString()!, record, field) : raw;
        var (tests, fn) = value.ValueKind switch
        {
            JsonValueKind.Object when value.TryGetProperty("test_cases", out var cases) => (FromPairs(cases, record, field), null),
            JsonValueKind.Object when value.TryGetProperty("inputs", out var inputs) => FromColumns(value, inputs, record, field),
            JsonValueKind.Array => (FromPairs(value, record, field), null),
            _ => throw Bad(record, field, "has no test_cases, inputs/outputs, or [{input, output}] list"),
        };
        return row with { Tests = tests, FunctionName = fn };
    }

    private static JsonElement ParseEmbedded(string text, PoolRecord record, string field)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw Bad(record, field, $"is a string but not valid JSON ({e.Message})");
        }
    }

    private static List<CodeTest> FromPairs(JsonElement cases, PoolRecord record, string field)
    {
        if (cases.ValueKind != JsonValueKind.Array) throw Bad(record, field, "test cases are not a list");
        var tests = new List<CodeTest>();
        foreach (var c in cases.EnumerateArray())
            tests.Add(new CodeTest(
                PoolRowMapper.TryText(c, "input") ?? throw Bad(record, field, $"test {tests.Count} has no input"),
                PoolRowMapper.TryText(c, "output") ?? throw Bad(record, field, $"test {tests.Count} has no output")));
        return tests;
    }

    private static (List<CodeTest>, string?) FromColumns(JsonElement value, JsonElement inputs, PoolRecord record, string field)
    {
        if (!value.TryGetProperty("outputs", out var outputs) || outputs.GetArrayLength() != inputs.GetArrayLength())
            throw Bad(record, field, "has inputs but no outputs of the same length");
        var tests = inputs.EnumerateArray().Zip(outputs.EnumerateArray(), (i, o) => new CodeTest(Text(i), Text(o))).ToList();
        return (tests, PoolRowMapper.TryText(value, "fn_name"));
    }

    // Function-call problems keep their argument lists as JSON text.
    private static string Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();

    private static InvalidDataException Bad(PoolRecord record, string field, string what) =>
        new($"{record.Location}: field '{field}' {what}");
}
