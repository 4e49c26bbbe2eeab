using System.Text.Json;
using Ded.Recipes;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Teachers;
using Ded.Teachers.Recorded;
using Ded.Tests.Spine;
using Ded.Verification;
using Parquet.Serialization;
using Xunit;

namespace Ded.Tests.TeacherSelection;

/// <summary>
/// Recorded teachers: files of responses generated already, in the layouts real trace sets use. The rows below copy the
/// schemas of open-thoughts/OpenThoughts3-1.2M (conversations of {from, value}, one row per answer; dataset card),
/// a-m-team/AM-Thinking-v1-Distilled (conversations with info.model_name and info.think_content; dataset card) and
/// open-r1/OpenR1-Math-220k (one row per problem, `generations` and `finish_reasons` lists, `uuid`; README at 075afe0).
/// </summary>
public class RecordedTeacherTests
{
    private const string Q1 = "What is 2 + 2?", Q2 = "Solve x + 3 = 5.";

    // AM layout: two models' answers to the same queries; reasoning both inline-free and apart in info.think_content.
    private static readonly string[] AmRows =
    [
        Am(Q1, "\\boxed{4}", "a", "2 and 2 make 4"),
        Am(Q1, "\\boxed{5}", "b", "guess"),
        Am("  " + Q2 + "\n", "<think>subtract</think> \\boxed{2}", "a", "ignored: the response has its own tags"),
        Am("Not a question of the recipe", "\\boxed{0}", "a", ""),
        Am(Q2, "\\boxed{2}", "a", ""),
    ];

    private static string Am(string query, string answer, string model, string think) => JsonSerializer.Serialize(new
    {
        system = "",
        conversations = new object[]
        {
            new { from = "human", value = query, info = new { source = "test", category = "math" } },
            new { from = "assistant", value = answer, info = new { model_name = model, think_content = think, verify_score = 1.0 } },
        },
    });

    // OpenR1 layout: several generations per row, matched by id.
    private static readonly string[] R1Rows =
    [
        JsonSerializer.Serialize(new { problem = "(another wording)", uuid = "q1", generations = new[] { "<think>a</think>\\boxed{4}", "<think>b</think>\\boxed{3}" }, finish_reasons = new[] { "stop", "length" } }),
    ];

    private static string Recipe(string dir, string teachers) => $"""
        name: recorded
        questions:
          sources:
            - jsonl: {"{"} path: {dir}/questions.jsonl, domain: math {"}"}
        teachers:
        {teachers}
        filters: {"{"} length_unit: chars, think_pairing: false {"}"}
        """;

    private const string AmTeachers = """
          - name: am_a
            recorded:
              path: am.jsonl
              question_field: conversations[from=human].value
              response_field: conversations[1].value
              reasoning_field: conversations[1].info.think_content
              where: { "conversations[1].info.model_name": a }
          - name: am_b
            recorded: { path: am.jsonl, question_field: "conversations[0].value", response_field: "conversations[-1].value", where: { "conversations[1].info.model_name": b } }
          - name: r1
            recorded: { path: r1.jsonl, question_field: problem, response_field: generations, id_field: uuid, finish_reason_field: finish_reasons, model: deepseek-r1 }
        """;

    private static (TempDir Dir, string Yaml) Files()
    {
        var dir = new TempDir();
        File.WriteAllLines(dir.File("questions.jsonl"), [
            JsonSerializer.Serialize(new { id = "q1", question = Q1, answer = "4" }),
            JsonSerializer.Serialize(new { id = "q2", question = Q2, answer = "2" })]);
        File.WriteAllLines(dir.File("am.jsonl"), AmRows);
        File.WriteAllLines(dir.File("r1.jsonl"), R1Rows);
        return (dir, Recipe(dir.Path, AmTeachers));
    }

    private static async Task<(RunStore Store, List<string> Log)> IngestAsync(TempDir dir, string yaml, string folder = "run")
    {
        var recipe = RecipeLoader.Parse(yaml, dir.File("recorded.yaml"), LabExtension.Kinds);
        var log = new List<string>();
        var services = new CurationServices { Teachers = spec => TeacherClients.Create(spec, TimeSpan.Zero), Verifier = new FakeVerifierForRecorded(), Log = log.Add };
        var run = CurationRun.Prepare(recipe, yaml, services, throughExport: false);
        var store = RunStore.Open(dir.File(folder));
        await CurationRun.RolloutAsync(store, run, services, CancellationToken.None);
        return (store, log);
    }

    [Fact]
    public async Task RowsMatchByTrimmedTextOrIdAndBecomeSampleIndicesInFileOrder()
    {
        var (dir, yaml) = Files();
        using var _ = dir;
        var (store, log) = await IngestAsync(dir, yaml);
        using (store)
        {
            var a = store.Trajectories().Where(t => t.Teacher == "am_a").OrderBy(t => t.QuestionId).ThenBy(t => t.SampleIndex).ToList();
            Assert.Equal([("q1", 0), ("q2", 0), ("q2", 1)], a.Select(t => (t.QuestionId, t.SampleIndex)));
            Assert.Equal("<think>\n2 and 2 make 4\n</think>\n\n\\boxed{4}", a[0].RawResponse);     // reasoning kept apart goes back in a think block
            Assert.Equal("<think>subtract</think> \\boxed{2}", a[1].RawResponse);                 // a response with its own tags stays as it was
            Assert.Equal(["\\boxed{5}"], store.Trajectories().Where(t => t.Teacher == "am_b").Select(t => t.RawResponse));
            var r1 = store.Trajectories().Where(t => t.Teacher == "r1").OrderBy(t => t.SampleIndex).ToList();
            Assert.Equal([("q1", 0, "stop"), ("q1", 1, "length")], r1.Select(t => (t.QuestionId, t.SampleIndex, t.FinishReason)));
            Assert.True(r1[1].IsTruncated);
            Assert.Equal("deepseek-r1", r1[0].Model);
            Assert.Equal("recorded:am.jsonl[conversations[1].info.model_name=a]", a[0].Model);
            Assert.Contains("recorded am_a: 5 rows of am.jsonl, 4 selected by where, 1 not among the recipe's questions, 0 without a response; " +
                            "3 responses to 2 questions (0 empty), 3 stored now", log);
            Assert.Equal(0, store.Requests().Done); // nothing was requested

            var lineage = Lineage.Describe(store, r1[1].Id)!;
            Assert.Contains($"recorded     {dir.File("r1.jsonl")}:1 [1] (read from the teacher's file; nothing was requested)", lineage);
            Assert.Contains($"recorded     {dir.File("am.jsonl")}:5 ", Lineage.Describe(store, a[2].Id)!);
            Assert.DoesNotContain("request      key", lineage);
        }
    }

    [Fact]
    public async Task ARerunReadsNothingAgainAndAChangedFileIsRefused()
    {
        var (dir, yaml) = Files();
        using var _ = dir;
        (await IngestAsync(dir, yaml)).Store.Dispose();
        var (again, log) = await IngestAsync(dir, yaml);
        using (again)
        {
            Assert.Equal(6, again.Trajectories().Count);
            Assert.Contains("recorded am_a: am.jsonl was read completely by an earlier run of this folder", log);
        }
        File.AppendAllLines(dir.File("am.jsonl"), [Am(Q1, "\\boxed{4}", "a", "")]);
        File.SetLastWriteTimeUtc(dir.File("am.jsonl"), DateTime.UtcNow.AddMinutes(1));
        var e = await Assert.ThrowsAsync<RunStoreException>(() => IngestAsync(dir, yaml));
        Assert.Contains("teacher am_a's file " + dir.File("am.jsonl") + " changed since this run read it; use another --out folder", e.Message);
    }

    [Fact]
    public async Task AWrongResponseFieldNamesTheFieldAndWhatTheRowsHold()
    {
        var (dir, _) = Files();
        using var __ = dir;
        var yaml = Recipe(dir.Path, "  - { name: t, recorded: { path: am.jsonl, question_field: 'conversations[0].value', response_field: answer } }");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => IngestAsync(dir, yaml));
        Assert.Equal($"{dir.File("am.jsonl")}: no selected row has field 'answer' (fields present: system, conversations); set the recorded teacher's response_field", e.Message);
    }

    /// <summary>OpenThoughts3 is Parquet with a list of structs per row; read row group by row group.</summary>
    [Fact]
    public async Task AParquetFileOfConversationsIsReadAndItsRowsLocated()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("questions.jsonl"), [JsonSerializer.Serialize(new { id = "q1", question = Q1, answer = "4" })]);
        var rows = Enumerable.Range(0, 3).Select(i => new OpenThoughtsRow
        {
            Difficulty = 2, Source = "math", Domain = "math",
            Conversations = [new Turn { From = "human", Value = Q1 }, new Turn { From = "gpt", Value = $"<think>try {i}</think> \\boxed{{4}}" }],
        }).ToList();
        await using (var file = File.Create(dir.File("ot3.parquet")))
            await ParquetSerializer.SerializeAsync(rows, file, new Parquet.ParquetOptions { CompressionMethod = Parquet.CompressionMethod.Snappy, CompressionLevel = System.IO.Compression.CompressionLevel.Fastest }, null, CancellationToken.None);
        var yaml = Recipe(dir.Path, "  - { name: qwq, recorded: { path: ot3.parquet, question_field: 'conversations[from=human].value', response_field: 'conversations[from=gpt].value' } }");
        var (store, _) = await IngestAsync(dir, yaml);
        using (store)
        {
            var stored = store.Trajectories().OrderBy(t => t.SampleIndex).ToList();
            Assert.Equal(["<think>try 0</think> \\boxed{4}", "<think>try 1</think> \\boxed{4}", "<think>try 2</think> \\boxed{4}"], stored.Select(t => t.RawResponse));
            Assert.Equal($"{dir.File("ot3.parquet")}#0:2", store.RecordedLocation(stored[2].Id));
        }
    }

    public sealed class Turn
    {
        [System.Text.Json.Serialization.JsonPropertyName("from")] public string From { get; set; } = "";
        [System.Text.Json.Serialization.JsonPropertyName("value")] public string Value { get; set; } = "";
    }

    public sealed class OpenThoughtsRow
    {
        [System.Text.Json.Serialization.JsonPropertyName("difficulty")] public long Difficulty { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("source")] public string Source { get; set; } = "";
        [System.Text.Json.Serialization.JsonPropertyName("domain")] public string Domain { get; set; } = "";
        [System.Text.Json.Serialization.JsonPropertyName("conversations")] public List<Turn> Conversations { get; set; } = [];
    }

    // Field paths as the three layouts need them.
    public static TheoryData<string, string, string[]> Paths => new()
    {
        { AmRows[0], "conversations[from=human].value", [Q1] },
        { AmRows[0], "conversations[1].info.model_name", ["a"] },
        { AmRows[0], "conversations[-1].info.verify_score", ["1"] },
        { AmRows[0], "conversations[from=tool].value", [] },
        { AmRows[0], "conversations[7].value", [] },
        { AmRows[0], "system.value", [] },
        { R1Rows[0], "generations", ["<think>a</think>\\boxed{4}", "<think>b</think>\\boxed{3}"] },
        { R1Rows[0], "finish_reasons[1]", ["length"] },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void AFieldPathFindsNestedFieldsListsAndMatches(string row, string path, string[] expected)
    {
        using var doc = JsonDocument.Parse(row);
        Assert.Equal(expected, FieldPath.Parse(path).TextsOf(doc.RootElement));
    }

    [Theory]
    [InlineData("response_field: 'a..b'", "r.yaml:9: teachers[0].recorded.response_field is not a field path: 'a..b' has an empty field name (write a.b, a[1].b or a[key=value].b)")]
    [InlineData("response_field: 'a[x]'", "r.yaml:9: teachers[0].recorded.response_field is not a field path: 'a[x]': [x] is neither an index nor key=value")]
    [InlineData("response_field: r\n      where: { '[0]': x }", "r.yaml:10: teachers[0].recorded.where.[0] is not a field path: '[0]' has an empty field name (write a.b, a[1].b or a[key=value].b)")]
    [InlineData("response_field: r\n      path_typo: x", "r.yaml:10: unknown key 'path_typo' in teachers[0].recorded (known: path, where, question_field, response_field, reasoning_field, id_field, finish_reason_field, model)")]
    public void ABrokenRecordedTeacherNamesFileLineAndKey(string tail, string expected)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("t.jsonl"), "{}\n");
        var yaml = $"questions:\n  sources:\n    - lab: {{ count: 2 }}\nteachers:\n  - name: t\n    recorded:\n      path: t.jsonl\n      question_field: q\n      {tail}\n";
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(yaml, System.IO.Path.Combine(dir.Path, "r.yaml"), LabExtension.Kinds));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void AMissingRecordedFileFailsAtLoad()
    {
        using var dir = new TempDir();
        var yaml = "questions:\n  sources:\n    - lab: { count: 2 }\nteachers:\n  - name: t\n    recorded: { path: none.jsonl, question_field: q, response_field: r }\n";
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(yaml, System.IO.Path.Combine(dir.Path, "r.yaml"), LabExtension.Kinds));
        Assert.Equal($"r.yaml:6: teachers[0].recorded.path file not found: {dir.File("none.jsonl")}", e.Message);
    }

    [Fact]
    public void ACompressedRecordedFileIsRefusedAtLoadWithWhatToDo()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("am_0.9M.jsonl.zst"), "");
        var yaml = "questions:\n  sources:\n    - lab: { count: 2 }\nteachers:\n  - name: t\n    recorded: { path: am_0.9M.jsonl.zst, question_field: q, response_field: r }\n";
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(yaml, System.IO.Path.Combine(dir.Path, "r.yaml"), LabExtension.Kinds));
        Assert.Equal("r.yaml:6: teachers[0].recorded.path is not a format Ded reads (am_0.9M.jsonl.zst): use .jsonl, .ndjson, .json (array) or .parquet; " +
                     "decompress .zst or .gz files first", e.Message);
    }

    private sealed class FakeVerifierForRecorded : IVerifier
    {
        public string Name => "fake";
        public ValueTask<Verdict> VerifyAsync(Ded.Data.Question question, Answer answer, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
