using System.Globalization;
using System.Text.Json;

namespace Ded.Teachers.Recorded;

/// <summary>
/// A path to a field inside a JSON record, as trace sets nest them: <c>response</c>, <c>info.model_name</c>,
/// <c>conversations[1].value</c> (an index; -1 is the last), <c>conversations[from=human].value</c> (the first element
/// whose field equals the value). Written by hand: JSONPath libraries for .NET either need the whole document as
/// JsonNode or bring a query language far beyond what a recipe names.
/// </summary>
public sealed class FieldPath
{
    private abstract record Step;
    private sealed record Property(string Name) : Step;
    private sealed record Index(int At) : Step;
    private sealed record Match(string Field, string Value) : Step;

    private readonly Step[] _steps;

    private FieldPath(string text, Step[] steps) => (Text, _steps) = (text, steps);

    public string Text { get; }

    public override string ToString() => Text;

    /// <exception cref="FormatException">Not a path; the message says what is wrong.</exception>
    public static FieldPath Parse(string text)
    {
        var steps = new List<Step>();
        foreach (var segment in text.Split('.'))
        {
            int bracket = segment.IndexOf('[');
            var name = bracket < 0 ? segment : segment[..bracket];
            if (name.Length == 0 && (bracket != 0 || steps.Count == 0))
                throw new FormatException($"'{text}' has an empty field name (write a.b, a[1].b or a[key=value].b)");
            if (name.Length > 0) steps.Add(new Property(name));
            for (var rest = bracket < 0 ? "" : segment[bracket..]; rest.Length > 0;)
            {
                int close = rest.IndexOf(']');
                if (rest[0] != '[' || close < 0)
                    throw new FormatException($"'{text}': '{rest}' is not [N] or [key=value]");
                steps.Add(Selector(text, rest[1..close]));
                rest = rest[(close + 1)..];
            }
        }
        return new FieldPath(text, [.. steps]);
    }

    private static Step Selector(string text, string inside)
    {
        if (int.TryParse(inside, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index)) return new Index(index);
        int eq = inside.IndexOf('=');
        if (eq <= 0) throw new FormatException($"'{text}': [{inside}] is neither an index nor key=value");
        return new Match(inside[..eq], inside[(eq + 1)..]);
    }

    /// <summary>The value at the path, or null when a step is missing (a field absent, an index out of range, no match).</summary>
    public JsonElement? Find(JsonElement root)
    {
        var at = root;
        foreach (var step in _steps)
        {
            JsonElement? next = step switch
            {
                Property p when at.ValueKind == JsonValueKind.Object && at.TryGetProperty(p.Name, out var v) => v,
                Index i when at.ValueKind == JsonValueKind.Array && (i.At < 0 ? at.GetArrayLength() + i.At : i.At) is var k && k >= 0 && k < at.GetArrayLength() => at[k],
                Match m when at.ValueKind == JsonValueKind.Array => FirstMatch(at, m),
                _ => null,
            };
            if (next is not { } found) return null;
            at = found;
        }
        return at;
    }

    /// <summary>The value as text: a string as is, a number or boolean as its JSON text; null when absent or null.</summary>
    public string? TextOf(JsonElement root) => Find(root) is { } v ? Scalar(v) : null;

    /// <summary>The value as one or more texts: a list of strings gives each (a record holding several responses).</summary>
    public IReadOnlyList<string?> TextsOf(JsonElement root) => Find(root) switch
    {
        { ValueKind: JsonValueKind.Array } list => [.. list.EnumerateArray().Select(Scalar)],
        { } v => [Scalar(v)],
        null => [],
    };

    private static JsonElement? FirstMatch(JsonElement array, Match m)
    {
        foreach (var item in array.EnumerateArray())
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(m.Field, out var v) && Scalar(v) == m.Value) return item;
        return null;
    }

    private static string? Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => v.GetRawText(),
    };
}
