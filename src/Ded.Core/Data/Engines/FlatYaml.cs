using System.Globalization;
using System.Text;

namespace Ded.Data.Engines;

/// <summary>
/// Writes a block-style YAML of <c>key: value</c> lines, nested maps and lists of maps. By hand, not YamlDotNet,
/// because the engines read YAML with PyYAML, whose YAML 1.1 float rule needs a dot: <c>1E-05</c> would load as a
/// string, <c>1.0e-5</c> loads as a float; and a bare <c>no</c> would load as false.
/// </summary>
internal sealed class FlatYaml
{
    private readonly StringBuilder _text = new();

    public FlatYaml Comment(string text) { _text.Append("### ").Append(text).Append('\n'); return this; }

    public FlatYaml Add(string key, object value)
    {
        _text.Append(key).Append(": ").Append(Format(value)).Append('\n');
        return this;
    }

    /// <summary>A nested map: <c>key:</c> then the map's lines indented.</summary>
    public FlatYaml Map(string key, Action<FlatYaml> fill)
    {
        _text.Append(key).Append(":\n");
        foreach (var line in Lines(fill)) _text.Append("  ").Append(line).Append('\n');
        return this;
    }

    /// <summary>A list of maps: <c>key:</c> then each map as a <c>- </c> item.</summary>
    public FlatYaml List(string key, params Action<FlatYaml>[] items)
    {
        _text.Append(key).Append(':').Append(items.Length == 0 ? " []\n" : "\n");
        foreach (var item in items)
            foreach (var (line, i) in Lines(item).Select((l, i) => (l, i)))
                _text.Append(i == 0 ? "  - " : "    ").Append(line).Append('\n');
        return this;
    }

    public FlatYaml Blank() { _text.Append('\n'); return this; }

    public override string ToString() => _text.ToString();

    private static string[] Lines(Action<FlatYaml> fill)
    {
        var inner = new FlatYaml();
        fill(inner);
        return inner.ToString().TrimEnd('\n').Split('\n');
    }

    internal static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => FormatFloat(d),
        string s => System.Text.Json.JsonSerializer.Serialize(s), // a JSON string is a valid double-quoted YAML scalar
        _ => throw new ArgumentException($"unsupported YAML value type {value.GetType().Name}", nameof(value)),
    };

    private static string FormatFloat(double d) =>
        d != 0 && Math.Abs(d) < 1e-3
            ? d.ToString("0.0##############e-0", CultureInfo.InvariantCulture)
            : d.ToString("0.0##############", CultureInfo.InvariantCulture);
}
