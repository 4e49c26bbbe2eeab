using System.Text.Json;
using Ded.Recipes;

namespace Ded.Data;

/// <summary>Reads every question source of a recipe, whole, before anything is written to a run.</summary>
public static class QuestionLoader
{
    /// <exception cref="RecipeException">A JSONL line that is not JSON, lacks a mapped field, or repeats an id.</exception>
    public static IReadOnlyList<Question> Load(QuestionsOptions options)
    {
        var questions = new List<Question>();
        foreach (var source in options.Sources)
            questions.AddRange(source.Load());
        var first = new Dictionary<string, Question>(StringComparer.Ordinal);
        foreach (var q in questions)
            if (!first.TryAdd(q.Id, q))
                throw new RecipeException(q.Source, LineOf(q), "id", $"'{q.Id}' repeats {Where(first[q.Id])}; question ids must be unique across all sources");
        return questions;
    }

    /// <summary>The question's line in its file (JSONL sources, JSONL pools), else 0.</summary>
    private static long LineOf(Question q) =>
        q.Metadata.TryGetValue("line", out var line) ? long.Parse(line, System.Globalization.CultureInfo.InvariantCulture)
        : q.Metadata.TryGetValue("source", out var at) && at.LastIndexOf(':') is var colon and > 0
          && long.TryParse(at[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string Where(Question q) => LineOf(q) is var line and > 0 ? $"{q.Source}:{line}" : $"{q.Source} (id {q.Id})";

    /// <summary>Streams a pool; with a count, keeps a seeded uniform sample (reservoir sampling, Vitter's algorithm R) in pool order.</summary>
    /// <exception cref="InvalidOperationException">The pool file is missing, or a row lacks a mapped field.</exception>
    public static IReadOnlyList<Question> FromPool(PoolSource source)
    {
        var kept = new List<(long Index, Question Question)>();
        var random = new Random(source.Seed);
        long index = 0;
        try
        {
            foreach (var row in Pools.PoolReader.ReadAsync(source.Path, source.Mapping).ToBlockingEnumerable())
            {
                var question = ToQuestion(row, source);
                if (source.Count is not { } count || kept.Count < count) kept.Add((index, question));
                else if (random.NextInt64(index + 1) is var slot && slot < count) kept[(int)slot] = (index, question);
                index++;
            }
        }
        catch (FileNotFoundException)
        {
            throw new InvalidOperationException($"questions.sources pool path: {source.Path} not found; download the pool and set its `path` in the recipe");
        }
        catch (InvalidUtf8Exception e)
        {
            throw new RecipeException(e.Path, e.Line, "", e.Problem);
        }
        catch (InvalidDataException e) when (e.InnerException is IOException)
        {
            throw new InvalidOperationException(e.Message, e); // a file that is not what its name says (a damaged Parquet file)
        }
        catch (InvalidDataException e)
        {
            // The reader's message already reads `file:line: field what`.
            throw new InvalidOperationException(e.Message + " (map the field with the pool source's keys; see docs/recipes.md)", e);
        }
        if (index == 0) throw new RecipeException(source.Path, 1, "", "holds no questions (no rows); point the pool source at a file with rows");
        return kept.OrderBy(k => k.Index).Select(k => k.Question).ToList();
    }

    private static Question ToQuestion(Pools.PoolRow row, PoolSource source)
    {
        var metadata = new Dictionary<string, string>(row.Extra) { ["source"] = row.Source };
        if (row.Tests.Count > 0) metadata[Verification.Code.PoolCodeTests.TestsKey] = Verification.Code.PoolCodeTests.ToJson(row.Tests);
        if (row.FunctionName is not null) metadata[Verification.Code.PoolCodeTests.FunctionKey] = row.FunctionName;
        return new Question
        {
            Id = row.Id, Source = Path.GetFileName(source.Path), Text = row.Question, GoldAnswer = row.Answer ?? "",
            Domain = source.Domain ?? "", Metadata = metadata,
        };
    }

    /// <exception cref="RecipeException">A line that is not one JSON object of the mapped fields, bytes that are not UTF-8, or no question at all.</exception>
    public static IReadOnlyList<Question> FromJsonl(JsonlSource source)
    {
        var questions = new List<Question>();
        int lineNumber = 0;
        try
        {
            foreach (var line in Utf8Text.ReadLines(source.Path))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                questions.Add(ReadLine(source, line, lineNumber));
            }
        }
        catch (InvalidUtf8Exception e)
        {
            throw new RecipeException(source.Path, e.Line, "", e.Problem);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RecipeException(source.Path, lineNumber, "", $"cannot be read: {e.Message}");
        }
        if (questions.Count == 0)
            throw new RecipeException(source.Path, 1, "", "holds no questions (the file is empty); write one JSON object per line");
        return questions;
    }

    private static Question ReadLine(JsonlSource source, string line, int lineNumber)
    {
        JsonElement row;
        try
        {
            row = JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException e)
        {
            throw new RecipeException(source.Path, lineNumber, "", $"is not valid JSON at column {e.BytePositionInLine + 1}; each line must be one JSON object");
        }
        if (row.ValueKind != JsonValueKind.Object)
            throw new RecipeException(source.Path, lineNumber, "", "must be a JSON object");
        RefuseRepeatedFields(source, row, lineNumber);
        string Field(string name, bool required) => FieldText(source, row, lineNumber, name, required);
        var id = row.TryGetProperty(source.IdField, out _) ? Field(source.IdField, true) : $"{Path.GetFileNameWithoutExtension(source.Path)}-{lineNumber}";
        return new Question
        {
            Id = id, Source = Path.GetFileName(source.Path),
            Text = Field(source.QuestionField, true), GoldAnswer = Field(source.AnswerField, true),
            Domain = source.Domain ?? "", Family = source.FamilyField is null ? "" : Field(source.FamilyField, false),
            Metadata = new Dictionary<string, string> { ["line"] = lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
    }

    // why: JSON allows a field twice and readers keep either one; a question and its gold must not disagree silently.
    private static void RefuseRepeatedFields(JsonlSource source, JsonElement row, int lineNumber)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in row.EnumerateObject())
            if (!seen.Add(property.Name))
                throw new RecipeException(source.Path, lineNumber, property.Name, "appears twice in this line's object; keep one");
    }

    /// <summary>A mapped field's text: a string or a number, never empty when required.</summary>
    private static string FieldText(JsonlSource source, JsonElement row, int lineNumber, string name, bool required)
    {
        if (row.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number)
        {
            string text;
            try
            {
                text = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
            }
            catch (InvalidOperationException)
            {
                throw new RecipeException(source.Path, lineNumber, name, "holds an escape that is not text (a lone surrogate such as \\ud800); fix or drop it");
            }
            if (required && string.IsNullOrWhiteSpace(text))
                throw new RecipeException(source.Path, lineNumber, name, "is empty; a question needs its text, its gold answer and (when given) its id");
            return text;
        }
        if (!required) return "";
        throw new RecipeException(source.Path, lineNumber, name, row.TryGetProperty(name, out _)
            ? "must be a string or a number" : $"is missing (map another field with the jsonl source's key in the recipe)");
    }
}
