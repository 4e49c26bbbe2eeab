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
        var duplicate = questions.GroupBy(q => q.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new RecipeException(duplicate.First().Source, 0, "questions", $"id '{duplicate.Key}' appears in more than one question; ids must be unique");
        return questions;
    }

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
        catch (InvalidDataException e)
        {
            // The reader's message already reads `file:line: field what`.
            throw new InvalidOperationException(e.Message + " (map the field with the pool source's keys; see docs/recipes.md)", e);
        }
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

    public static IReadOnlyList<Question> FromJsonl(JsonlSource source)
    {
        var questions = new List<Question>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(source.Path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            questions.Add(ReadLine(source, line, lineNumber));
        }
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
        string Field(string name, bool required)
        {
            if (row.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                return v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
            if (!required) return "";
            throw new RecipeException(source.Path, lineNumber, name, row.TryGetProperty(name, out _)
                ? "must be a string or a number" : $"is missing (map another field with the jsonl source's key in the recipe)");
        }
        var id = row.TryGetProperty(source.IdField, out _) ? Field(source.IdField, true) : $"{Path.GetFileNameWithoutExtension(source.Path)}-{lineNumber}";
        return new Question
        {
            Id = id, Source = Path.GetFileName(source.Path),
            Text = Field(source.QuestionField, true), GoldAnswer = Field(source.AnswerField, true),
            Domain = source.Domain ?? "", Family = source.FamilyField is null ? "" : Field(source.FamilyField, false),
            Metadata = new Dictionary<string, string> { ["line"] = lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
    }
}
