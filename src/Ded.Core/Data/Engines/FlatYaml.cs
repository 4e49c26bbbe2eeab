using System.Globalization;
using System.Text;

namespace Ded.Data.Engines;

/// <summary>
/// Writes a flat <c>key: value</c> YAML. By hand, not YamlDotNet, because the engines read YAML with PyYAML, whose
/// YAML 1.1 float rule needs a dot: <c>1E-05</c> would load as a string, <c>1.0e-5</c> loads as a float.
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

    public FlatYaml Blank() { _text.Append('\n'); return this; }

    public override string ToString() => _text.ToString();

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
