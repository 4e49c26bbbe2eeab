using System.Text.Json.Serialization;
using Ded.Recipes;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Recorded;

/// <summary>
/// A teacher whose responses were generated already and kept in a file (JSONL, JSON or Parquet): trace sets such as
/// OpenThoughts3 (16 QwQ answers per question, one row each), the AM distilled sets (a model name per row) or
/// SkyThought's evaluation outputs. Nothing is requested: the rollout reads the file
/// (<see cref="Rollouts.RecordedRollout"/>), keeps the rows <see cref="Where"/> selects, matches them to the recipe's
/// questions by trimmed text (or by <see cref="IdField"/>), and stores each response as a sample; a question's
/// responses become sample indices 0, 1, ... in file order.
/// </summary>
public sealed record RecordedTeacherSpec : TeacherSpec
{
    /// <summary>The file (full path).</summary>
    public required string Path { get; init; }
    /// <summary>Field path of the question text (<see cref="FieldPath"/>), matched to the recipe's question texts.</summary>
    public required string QuestionField { get; init; }
    /// <summary>Field path of the response; a list of strings holds several responses to the question.</summary>
    public required string ResponseField { get; init; }
    /// <summary>Field path of reasoning kept apart from the response; it is put back in a &lt;think&gt; block.</summary>
    public string? ReasoningField { get; init; }
    /// <summary>Field path of a question id that equals the recipe's question ids; then ids match, not texts.</summary>
    public string? IdField { get; init; }
    /// <summary>Field path of each response's finish reason ("stop", "length"); absent: "unknown".</summary>
    public string? FinishReasonField { get; init; }
    /// <summary>Only rows whose field (a path) has this text; all must hold.</summary>
    public IReadOnlyDictionary<string, string> Where { get; init; } = new Dictionary<string, string>();
    /// <summary>The model the responses came from, as lineage shows it; null: the file and the where clause.</summary>
    public string? Model { get; init; }

    [JsonIgnore]
    public override string ModelId => Model ?? "recorded:" + System.IO.Path.GetFileName(Path)
        + (Where.Count == 0 ? "" : "[" + string.Join(",", Where.Select(kv => $"{kv.Key}={kv.Value}")) + "]");

    /// <summary>A client that refuses every request: a recorded teacher is read from its file, never asked.</summary>
    public override IChatClient CreateClient() => new NoRequests(Name);

    private sealed class NoRequests(string name) : IChatClient
    {
        private InvalidOperationException Refused() => new($"teacher {name} is recorded: its responses are read from its file, never requested");
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => throw Refused();
        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => throw Refused();
        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }
}

/// <summary>`teachers[i]: { name: N, recorded: { path, question_field, response_field, ... } }` (docs/recipes.md).</summary>
public sealed class RecordedTeacherKind : ITeacherKind
{
    public string Key => "recorded";
    public Type SpecType => typeof(RecordedTeacherSpec);
    public string Usage => "`recorded: { path, question_field, response_field }`";

    /// <exception cref="RecipeException">A missing file, a key that is not a field path, an unknown key.</exception>
    public TeacherSpec Read(string name, RecipeSection teacher, string baseDir)
    {
        var s = teacher.Section("recorded") ?? throw new RecipeException(teacher.File, teacher.Line, teacher.KeyPath("recorded"),
            "must be a mapping: `recorded: { path: FILE, question_field: F, response_field: F }`");
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, s.RequiredString("path")));
        if (!File.Exists(path)) throw s.Error(s.Node("path")!, "path", $"file not found: {path}");
        if (!Data.Pools.PoolRecordReader.CanRead(path))
            throw s.Error(s.Node("path")!, "path", $"is not a format Ded reads ({System.IO.Path.GetFileName(path)}): use {Data.Pools.PoolRecordReader.FormatNames}; decompress .zst or .gz files first");
        var where = s.Section("where");
        var spec = new RecordedTeacherSpec
        {
            Name = name, Path = path,
            QuestionField = Field(s, "question_field", required: true)!, ResponseField = Field(s, "response_field", required: true)!,
            ReasoningField = Field(s, "reasoning_field", false), IdField = Field(s, "id_field", false),
            FinishReasonField = Field(s, "finish_reason_field", false), Model = s.String("model", null),
            Where = where is null ? new Dictionary<string, string>() : ReadWhere(where),
        };
        s.Done();
        return spec;
    }

    private static string? Field(RecipeSection s, string key, bool required)
    {
        var text = required ? s.RequiredString(key) : s.String(key, null);
        if (text is null) return null;
        try
        {
            FieldPath.Parse(text);
        }
        catch (FormatException e)
        {
            throw s.Error(s.Node(key)!, key, "is not a field path: " + e.Message);
        }
        return text;
    }

    /// <summary>Each key a field path, each value its text (true/false and numbers as JSON writes them).</summary>
    private static Dictionary<string, string> ReadWhere(RecipeSection where)
    {
        var values = new Dictionary<string, string>();
        foreach (var (key, value) in where.Scalars())
        {
            try
            {
                FieldPath.Parse(key);
            }
            catch (FormatException e)
            {
                throw where.Error(where.Node(key)!, key, "is not a field path: " + e.Message);
            }
            values[key] = value is bool b ? (b ? "true" : "false") : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
        }
        return values;
    }
}
