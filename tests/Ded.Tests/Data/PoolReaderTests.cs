using System.Text.Json;
using Ded.Data.Pools;
using Ded.Tests.Support;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace Ded.Tests.Data;

public sealed class PoolReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ded-pools-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<List<PoolRow>> ReadAll(string path, PoolMapping mapping)
    {
        var rows = new List<PoolRow>();
        await foreach (var row in PoolReader.ReadAsync(path, mapping)) rows.Add(row);
        return rows;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [SkippableFact]
    public async Task Math500WithItsPreset()
    {
        var path = SharedData.Require("math500.jsonl");
        var rows = await ReadAll(path, PoolPresets.Get("math500"));
        Assert.Equal(500, rows.Count);
        Assert.Equal("test/precalculus/807.json", rows[0].Id);
        Assert.StartsWith("Convert the point $(0,3)$ in rectangular coordinates", rows[0].Question);
        Assert.Equal("\\left( 3, \\frac{\\pi}{2} \\right)", rows[0].Answer);
        Assert.Equal("\"Precalculus\"", rows[0].Extra["subject"]);
        Assert.Equal($"{path}:1", rows[0].Source);
    }

    [SkippableTheory]
    [InlineData("aime24.jsonl", "2024-I-1", "204")]
    [InlineData("aime25.jsonl", "2025-I-1", "70")]
    public async Task AimeAnswersAreNumbersReadAsText(string file, string firstId, string firstAnswer)
    {
        var rows = await ReadAll(SharedData.Require(file), PoolPresets.Get("aime"));
        Assert.Equal(30, rows.Count);
        Assert.Equal((firstId, firstAnswer), (rows[0].Id, rows[0].Answer));
    }

    [SkippableFact]
    public async Task HumanEvalWithACustomMapping()
    {
        var rows = await ReadAll(SharedData.Require("humaneval.jsonl"),
            new PoolMapping { QuestionField = "prompt", AnswerField = "canonical_solution", IdField = "task_id", ExtraFields = ["entry_point"] });
        Assert.Equal(164, rows.Count);
        Assert.Equal("HumanEval/0", rows[0].Id);
        Assert.Equal("\"has_close_elements\"", rows[0].Extra["entry_point"]);
    }

    [SkippableFact]
    public async Task BadJsonLineNamesFileLineAndWhat()
    {
        var path = Write("bad.jsonl", "{\"problem\": \"a\", \"answer\": \"1\"}\n\n{\"problem\": \"b\", \"answer\": }\n");
        var rows = PoolReader.ReadAsync(path, new PoolMapping());
        var e = await Assert.ThrowsAsync<InvalidDataException>(async () => { await foreach (var _ in rows) { } });
        Assert.Equal($"{path}:3: invalid JSON at byte 28: '}}' is an invalid start of a value.", e.Message);
    }

    [SkippableFact]
    public async Task MissingFieldNamesFileLineFieldAndWhatIsThere()
    {
        var path = Write("q.jsonl", "{\"question\": \"a\", \"answer\": \"1\"}\n");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(path, new PoolMapping()));
        Assert.Equal($"{path}:1: field 'problem' is missing or null (fields present: question, answer); map it or pick another preset", e.Message);
    }

    [SkippableFact]
    public void MissingFileThrowsAtOnce() =>
        Assert.Throws<FileNotFoundException>(() => PoolReader.ReadAsync(Path.Combine(_dir, "none.jsonl"), new PoolMapping()));

    [SkippableFact]
    public async Task JsonArrayIsStreamedWithIndexLocations()
    {
        var items = Enumerable.Range(0, 1000).Select(i => new { question = $"q{i}", answer = i });
        var path = Write("limo.json", JsonSerializer.Serialize(items));
        var rows = await ReadAll(path, PoolPresets.Get("limo"));
        Assert.Equal(1000, rows.Count);
        Assert.Equal(("q999", "999", $"{path}[999]", "limo-999"), (rows[999].Question, rows[999].Answer, rows[999].Source, rows[999].Id));
    }

    [SkippableFact]
    public async Task BadJsonArrayNamesTheLine()
    {
        var path = Write("bad.json", "[\n{\"question\": \"a\", \"answer\": \"1\"},\n{\"question\": \"b\" \"answer\": \"2\"}\n]");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(path, PoolPresets.Get("limo")));
        Assert.StartsWith($"{path}:3: invalid JSON", e.Message);
    }

    [SkippableFact]
    public async Task ParquetIsReadRowGroupByRowGroup()
    {
        var path = Path.Combine(_dir, "openr1.parquet");
        var problem = new DataField<string>("problem");
        var answer = new DataField<string>("answer");
        var uuid = new DataField<string>("uuid");
        var schema = new ParquetSchema(problem, answer, uuid);
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream,
            new ParquetOptions { CompressionMethod = CompressionMethod.Snappy, CompressionLevel = System.IO.Compression.CompressionLevel.Fastest }))
        {
            for (var g = 0; g < 3; g++)
            {
                using var group = writer.CreateRowGroup();
                var range = Enumerable.Range(g * 10, 10).ToArray();
                await group.WriteAsync(problem, range.Select(i => $"p{i}").ToArray());
                await group.WriteAsync(answer, range.Select(i => $"{i * i}").ToArray());
                await group.WriteAsync(uuid, range.Select(i => $"u{i}").ToArray());
            }
        }
        var rows = await ReadAll(path, PoolPresets.Get("openr1-math"));
        Assert.Equal(30, rows.Count);
        Assert.Equal(("u25", "p25", "625", $"{path}#2:5"), (rows[25].Id, rows[25].Question, rows[25].Answer, rows[25].Source));
    }

    [SkippableTheory]
    [InlineData("Thus $x = \\boxed{\\frac{1}{2}}$. Check: \\boxed{3}", "3")]
    [InlineData("So the answer is $\\boxed{\\{1, 2\\}}$.", "\\{1, 2\\}")]
    [InlineData("\\fbox{7}", "7")]
    [InlineData("No box here.", null)]
    [InlineData("\\boxed{unbalanced", null)]
    public async Task NuminaMathAnswerIsTheLastBoxed(string solution, string? expected)
    {
        var path = Write("numina.jsonl", JsonSerializer.Serialize(new { problem = "p", solution }) + "\n");
        Assert.Equal(expected, (await ReadAll(path, PoolPresets.Get("numinamath")))[0].Answer);
    }

    [SkippableTheory]
    [InlineData("Reason... so \\boxed{42}.", "42")]
    [InlineData("  The answer is yes.  ", "The answer is yes.")]
    public async Task S1kAnswerIsTheLastBoxedOrTheSolution(string solution, string expected)
    {
        var path = Write("s1k.jsonl", JsonSerializer.Serialize(new { question = "q", solution, cot_type = "math" }) + "\n");
        Assert.Equal(expected, (await ReadAll(path, PoolPresets.Get("s1k")))[0].Answer);
    }

    [SkippableFact]
    public async Task GpqaOptionsAreShuffledWithTheSeedAndTheAnswerIsTheLetter()
    {
        var lines = Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Record ID"] = $"rec{i}", ["Question"] = $"Which is right {i}?", ["Correct Answer"] = "right",
            ["Incorrect Answer 1"] = "wrong1", ["Incorrect Answer 2"] = " wrong2 ", ["Incorrect Answer 3"] = "wrong3",
        }));
        var path = Write("gpqa.jsonl", string.Join("\n", lines));
        var rows = await ReadAll(path, PoolPresets.Get("gpqa") with { ShuffleSeed = 5 });
        foreach (var row in rows)
        {
            Assert.Equal("right", row.Choices[row.Answer![0] - 'A']);
            Assert.Equal(["right", "wrong1", "wrong2", "wrong3"], row.Choices.Order());
            Assert.EndsWith($"\n\nA) {row.Choices[0]}\nB) {row.Choices[1]}\nC) {row.Choices[2]}\nD) {row.Choices[3]}", row.Question);
        }
        Assert.True(rows.Select(r => r.Answer).Distinct().Count() == 4, "all four letters occur over 40 rows");
        var again = await ReadAll(path, PoolPresets.Get("gpqa") with { ShuffleSeed = 5 });
        Assert.Equal(rows.Select(r => r.Answer), again.Select(r => r.Answer));
        var other = await ReadAll(path, PoolPresets.Get("gpqa") with { ShuffleSeed = 6 });
        Assert.NotEqual(rows.Select(r => r.Answer), other.Select(r => r.Answer));
    }

    [SkippableFact]
    public async Task CodeforcesVerificationInfoAsAString()
    {
        var info = JsonSerializer.Serialize(new { language = "python", test_cases = new[] { new { input = "1 2\n", output = "3\n", type = "stdin_stdout" } } });
        var path = Write("cf.jsonl", JsonSerializer.Serialize(new { problem_id = "cf-1", problem = "Add.", verification_info = info }) + "\n");
        var row = (await ReadAll(path, PoolPresets.Get("codeforces")))[0];
        Assert.Equal(("cf-1", "Add.", (string?)null), (row.Id, row.Question, row.Answer));
        Assert.Equal([new CodeTest("1 2\n", "3\n")], row.Tests);
        Assert.Null(row.FunctionName);
    }

    [SkippableFact]
    public async Task AppsInputOutputWithFunctionName()
    {
        var io = JsonSerializer.Serialize(new { inputs = new object[] { new[] { 1, 2 }, new[] { 3, 4 } }, outputs = new object[] { 3, 7 }, fn_name = "add" });
        var path = Write("apps.jsonl", JsonSerializer.Serialize(new { problem_id = 7, question = "Add two.", input_output = io }) + "\n");
        var row = (await ReadAll(path, PoolPresets.Get("apps")))[0];
        Assert.Equal("7", row.Id);
        Assert.Equal([new CodeTest("[1,2]", "3"), new CodeTest("[3,4]", "7")], row.Tests);
        Assert.Equal("add", row.FunctionName);
    }

    [SkippableFact]
    public async Task LiveCodeBenchPublicTests()
    {
        var tests = JsonSerializer.Serialize(new[] { new { input = "5\n", output = "25\n", testtype = "stdin" } });
        var path = Write("lcb.jsonl", JsonSerializer.Serialize(new { question_id = "abc1", question_content = "Square.", public_test_cases = tests }) + "\n");
        var row = (await ReadAll(path, PoolPresets.Get("livecodebench")))[0];
        Assert.Equal([new CodeTest("5\n", "25\n")], row.Tests);
    }

    [SkippableFact]
    public async Task CodeTestsOfAnUnknownShapeNameTheField()
    {
        var path = Write("apps.jsonl", JsonSerializer.Serialize(new { question = "q", input_output = "{\"cases\": 1}" }) + "\n");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(path, PoolPresets.Get("apps")));
        Assert.Equal($"{path}:1: field 'input_output' has no test_cases, inputs/outputs, or [{{input, output}}] list", e.Message);
    }

    [SkippableFact]
    public async Task JsonFileHoldingLinesIsReadAsJsonLines()
    {
        var path = Write("lines.json", "{\"problem\": \"a\", \"answer\": 1}\n{\"problem\": \"b\", \"answer\": 2}\n");
        var rows = await ReadAll(path, new PoolMapping());
        Assert.Equal([("a", "1", $"{path}:1"), ("b", "2", $"{path}:2")], rows.Select(r => (r.Question, r.Answer, r.Source)));
    }

    [SkippableFact]
    public async Task UnknownFormatIsRefusedNamingTheExtension()
    {
        var path = Write("pool.csv", "problem,answer\n");
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => ReadAll(path, new PoolMapping()));
        Assert.Equal($"{path}: unknown pool format '.csv'; use .jsonl, .ndjson, .json (array) or .parquet", e.Message);
    }

    [SkippableFact]
    public void UnknownPresetListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => PoolPresets.Get("nope"));
        Assert.StartsWith("unknown pool preset 'nope'; known: s1k, openr1-math, limo, numinamath, math500, aime, gpqa, codeforces", e.Message);
    }
}
