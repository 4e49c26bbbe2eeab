using System.Globalization;
using Ded.Selection;
using YamlDotNet.RepresentationModel;

namespace Ded.Recipes;

/// <summary>
/// One YAML mapping of a recipe, read key by key so every error can name file, line and key path.
/// Keys never read are unknown: <see cref="Done"/> reports them with a did-you-mean from the keys that were read.
/// </summary>
public sealed class RecipeSection
{
    private readonly string _file;
    private readonly YamlMappingNode _node;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public RecipeSection(string file, YamlMappingNode node, string path)
    {
        _file = file;
        _node = node;
        Path = path;
    }

    public string Path { get; }
    public string File => _file;
    public long Line => _node.Start.Line;

    public static RecipeSection Expect(string file, YamlNode node, string path)
    {
        if (node is YamlMappingNode map) return new RecipeSection(file, map, path);
        throw new RecipeException(file, node.Start.Line, path, $"must be a mapping of keys (got {Describe(node)})");
    }

    public string KeyPath(string key) => Path.Length == 0 ? key : Path + "." + key;

    public RecipeException Error(YamlNode at, string key, string message) => new(_file, at.Start.Line, KeyPath(key), message);

    public YamlNode? Node(string key)
    {
        _known.Add(key);
        foreach (var (k, v) in _node.Children)
            if (k is YamlScalarNode s && s.Value == key) return v;
        return null;
    }

    public bool Has(string key) => Node(key) is not null;

    public string? String(string key, string? fallback)
    {
        var node = Node(key);
        if (node is null || IsNull(node)) return fallback;
        if (node is YamlScalarNode s) return s.Value ?? fallback;
        throw Error(node, key, $"must be a text value (got {Describe(node)})");
    }

    public string RequiredString(string key)
    {
        var value = String(key, null);
        if (string.IsNullOrWhiteSpace(value))
            throw new RecipeException(_file, Line, KeyPath(key), "is required");
        return value;
    }

    public long Long(string key, long fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        var node = Node(key);
        if (node is null) return fallback;
        if (node is not YamlScalarNode { Value: { } text } || !long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw Error(node, key, $"must be an integer (got {Describe(node)})");
        return InRange(node, key, value, min, max);
    }

    public int Int(string key, int fallback, int min = int.MinValue, int max = int.MaxValue) =>
        (int)Long(key, fallback, min, max);

    public double Double(string key, double fallback, double min, double max)
    {
        var node = Node(key);
        if (node is null) return fallback;
        if (node is not YamlScalarNode { Value: { } text } ||
            !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw Error(node, key, $"must be a number (got {Describe(node)})");
        return InRange(node, key, value, min, max);
    }

    public bool Bool(string key, bool fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        return node is YamlScalarNode { Value: "true" or "false" } s ? s.Value == "true"
            : throw Error(node, key, $"must be true or false (got {Describe(node)})");
    }

    /// <summary>A duration as `hh:mm:ss` (e.g. `00:00:10`) or a number of seconds, from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var node = Node(key);
        if (node is null) return fallback;
        var text = (node as YamlScalarNode)?.Value ?? "";
        double? seconds = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s) ? s
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span.TotalSeconds : null;
        if (seconds is not { } value)
            throw Error(node, key, $"must be a duration like 00:00:10 or a number of seconds (got {Describe(node)})");
        // why: compared as seconds, before TimeSpan.FromSeconds, which overflows past about 2.9e5 years.
        if (value < min.TotalSeconds || value > max.TotalSeconds)
            throw Error(node, key, $"must be from {Seconds(min.TotalSeconds)} to {Seconds(max.TotalSeconds)} (got {Seconds(value)})");
        return TimeSpan.FromSeconds(value);
    }

    private static string Seconds(double value) =>
        value.ToString(value is > 0 and < 1e15 ? "0.###" : "G3", CultureInfo.InvariantCulture) + " s";

    /// <summary>
    /// A name that ends up in file and folder names or ids: letters, digits, <c>.</c>, <c>-</c> and <c>_</c>, starting
    /// with a letter or digit (no separators, no <c>..</c>, no NUL), at most 100 characters.
    /// </summary>
    public string? PlainName(string key, string? fallback)
    {
        var value = String(key, null);
        if (value is null) return fallback;
        if (value.Length is > 0 and <= 100 && char.IsAsciiLetterOrDigit(value[0]) && !value.Contains("..", StringComparison.Ordinal)
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            return value;
        throw Error(Node(key)!, key, $"must be a plain name: letters, digits, '.', '-' and '_', starting with a letter or digit, at most 100 characters; it names files, folders or ids (got {Describe(Node(key)!)})");
    }

    /// <summary>Every key of this mapping as a string, number or boolean (for pass-through maps such as chat_template_kwargs).</summary>
    public IReadOnlyDictionary<string, object> Scalars()
    {
        var values = new Dictionary<string, object>();
        foreach (var (k, v) in _node.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            _known.Add(key);
            if (v is not YamlScalarNode { Value: { } text } scalar)
                throw Error(v, key, $"must be a string, number or boolean (got {Describe(v)})");
            values[key] = scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted ? text
                : text is "true" or "false" ? text == "true"
                : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : text;
        }
        return values;
    }

    /// <summary>An enum written as its lower-case name (e.g. `llamafactory`, `chars`).</summary>
    public T Enum<T>(string key, T fallback) where T : struct, Enum
    {
        var node = Node(key);
        return node is null ? fallback : ParseEnum<T>(node, key);
    }

    public T ParseEnum<T>(YamlNode node, string key) where T : struct, Enum
    {
        var names = System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        var text = (node as YamlScalarNode)?.Value ?? "";
        var index = Array.IndexOf(names, text);
        if (index >= 0) return System.Enum.GetValues<T>()[index];
        var hint = Suggest(text, names);
        throw Error(node, key, $"must be one of {string.Join(", ", names)} (got {Describe(node)}){(hint is null ? "" : $" (did you mean '{hint}'?)")}");
    }

    public IReadOnlyList<YamlNode>? List(string key)
    {
        var node = Node(key);
        if (node is null || IsNull(node)) return null;
        if (node is YamlSequenceNode seq) return seq.Children.ToList();
        throw Error(node, key, $"must be a list (got {Describe(node)})");
    }

    /// <summary>A list that, when present, holds at least one item (<c>[]</c> is an error at its own line).</summary>
    public IReadOnlyList<YamlNode>? NonEmptyList(string key, string what)
    {
        var items = List(key);
        if (items is { Count: 0 }) throw Error(Node(key)!, key, $"is empty: {what}");
        return items;
    }

    public IReadOnlyList<string>? StringList(string key)
    {
        var items = List(key);
        return items?.Select((item, i) => item is YamlScalarNode { Value: { } v } ? v
            : throw Error(item, $"{key}[{i}]", $"must be a text value (got {Describe(item)})")).ToList();
    }

    public RecipeSection? Section(string key)
    {
        var node = Node(key);
        return node is null || IsNull(node) ? null : Expect(_file, node, KeyPath(key));
    }

    /// <summary>Fails on the first key that was never read, suggesting the nearest known key.</summary>
    public void Done()
    {
        foreach (var (k, _) in _node.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (_known.Contains(key)) continue;
            var hint = Suggest(key, _known);
            var where = Path.Length == 0 ? "the recipe" : Path;
            throw new RecipeException(_file, k.Start.Line, "",
                $"unknown key '{key}' in {where}{(hint is null ? $" (known: {string.Join(", ", _known)})" : $" (did you mean '{hint}'?)")}");
        }
    }

    /// <summary>An error at <paramref name="key"/>'s line: <paramref name="message"/> with the known values and a did-you-mean.</summary>
    public RecipeException Unknown(string key, string what, string value, IReadOnlyCollection<string> known) =>
        Error(Node(key) ?? _node, key, $"{what} '{value}' (known: {string.Join(", ", known)})" + Hint(value, known));

    /// <summary>" (did you mean 'X'?)" for the nearest candidate, or "".</summary>
    public static string Hint(string word, IEnumerable<string> candidates) =>
        Suggest(word, candidates) is { } hint ? $" (did you mean '{hint}'?)" : "";

    /// <summary>The nearest candidate within a third of the word's length (at least 2 edits), else null.</summary>
    internal static string? Suggest(string word, IEnumerable<string> candidates)
    {
        var best = candidates.Select(c => (c, d: Levenshtein.Distance(word, c)))
            .OrderBy(x => x.d).ThenBy(x => x.c, StringComparer.Ordinal).FirstOrDefault();
        return best.c is not null && best.d <= Math.Max(2, word.Length / 3) ? best.c : null;
    }

    internal static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Value: null or "" or "~" or "null", Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) };

    private T InRange<T>(YamlNode node, string key, T value, T min, T max) where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0) throw Error(node, key, $"must be >= {min} (got {value})");
        if (value.CompareTo(max) > 0) throw Error(node, key, $"must be <= {max} (got {value})");
        return value;
    }
}
