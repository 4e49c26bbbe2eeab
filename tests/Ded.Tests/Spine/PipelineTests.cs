using System.Text.Json;
using System.Text.Json.Nodes;
using Ded.Export;
using Ded.Recipes;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Teachers;
using Ded.Verification;
using Parquet.Serialization;
using Xunit;

namespace Ded.Tests.Spine;

/// <summary>The stages end to end on a fake teacher: rollouts, resume, verdicts, filters, selection, export, lineage.</summary>
public class PipelineTests
{
    private const string RecipeYaml = """
        name: fake
        questions:
          sources:
            - lab: { count: 1 }   # replaced by the test's own questions
        teachers:
          - name: t1
            lab: oracle
          - name: t2
            lab: careful
        sampling:
          samples_per_question: 6
          seed: 5
        filters:
          length_unit: chars
          max_length: 1000
        diversity:
          p: 2
        export:
          dataset_name: ded_test
          system: You reason step by step.
        """;

    private static readonly string[] Questions = ["What is 1 + 1?", "What is 2 + 2?", "What is 3 + 3?"];

    private static async Task<(RunStore Store, Dictionary<string, FakeTeacher> Teachers, Recipe Recipe)> RunAsync(TempDir dir, Dictionary<string, FakeTeacher>? teachers = null)
    {
        var recipe = RecipeLoader.Parse(RecipeYaml, dir.File("fake.yaml"), LabExtension.Kinds);
        teachers ??= new() { ["t1"] = new FakeTeacher(), ["t2"] = new FakeTeacher() };
        var services = new CurationServices
        {
            Teachers = spec => new TeacherClient(spec, teachers[spec.Name]),
            Verifier = new LabExactVerifier(),
        };
        var questions = Questions.Select((q, i) => Spine.Q($"q{i}", q, gold: "1")).ToList();
        var run = CurationRun.Prepare(recipe, RecipeYaml, services, throughExport: true) with { Questions = questions };
        var store = RunStore.Open(dir.Path);
        await CurationRun.RunAllAsync(store, run, services, CancellationToken.None);
        return (store, teachers, recipe);
    }

    [Fact]
    public async Task RolloutsAreStoredOnceAndARerunSendsNothing()
    {
        using var dir = new TempDir();
        var (store, teachers, _) = await RunAsync(dir);
        using (store)
        {
            Assert.Equal(3 * 2 * 6, store.Trajectories().Count);
            Assert.Equal(18, teachers["t1"].Calls);
            Assert.Equal(new RequestLedger(36, 0, 0, 0, 36), store.Requests());
            // M samples of one question get distinct derived seeds, all sent with the recipe's sampling settings.
            var seeds = teachers["t1"].Options.Select(o => o.Seed).ToList();
            Assert.Equal(18, seeds.Distinct().Count());
            Assert.All(teachers["t1"].Options, o => Assert.Equal((0.6f, 0.95f, 32768), (o.Temperature!.Value, o.TopP!.Value, o.MaxOutputTokens!.Value)));
        }
        var (again, teachers2, _) = await RunAsync(dir);
        using (again)
        {
            Assert.Equal((0, 0), (teachers2["t1"].Calls, teachers2["t2"].Calls));
            Assert.Equal(36, again.Trajectories().Count);
            Assert.Equal(36, again.Requests().Done);
        }
    }

    [Fact]
    public void IdsAndRequestKeysAreStable()
    {
        var q = Spine.Q("q0");
        var teacher = new LabTeacherSpec { Name = "t1", Lab = "oracle" };
        var a = RolloutRequest.Create(q, teacher, 3, new SamplingSettings());
        var b = RolloutRequest.Create(q, teacher, 3, new SamplingSettings());
        var hotter = RolloutRequest.Create(q, teacher, 3, new SamplingSettings { Temperature = 1.0 });
        Assert.Equal((a.RequestKey, a.TrajectoryId, a.Seed), (b.RequestKey, b.TrajectoryId, b.Seed));
        Assert.NotEqual(a.RequestKey, hotter.RequestKey);
        Assert.NotEqual(a.TrajectoryId, hotter.TrajectoryId);
        Assert.StartsWith("q0.t1.3.", a.TrajectoryId);
        // M is not part of the key: asking for more samples later keeps the ones already drawn.
        Assert.Equal(a.RequestKey, RolloutRequest.Create(q, teacher, 3, new SamplingSettings { SamplesPerQuestion = 16 }).RequestKey);
    }

    // The key as it was made before it was hashed in parts (issue 17): a run folder of that time resumes without resending.
    public static TheoryData<string, string> KeyTexts => new()
    {
        { "ascii", "What is 1 + 1?" },
        { "escaped by the serializer", "<b>x</b> & 'y' \"z\" \\ \n\t\u0001 + é 中 😀" },
        { "lone surrogate", "bad \ud800 text" },
        { "a pair across the 64 Ki-char chunk", new string('a', 65_535) + "😀" + new string('b', 70_000) },
    };

    [Theory]
    [MemberData(nameof(KeyTexts))]
    public void RequestKeysEqualTheWholeTextSerialization(string name, string text)
    {
        var q = Spine.Q("q-" + name, text);
        var teacher = new LabTeacherSpec { Name = "t1", Lab = "oracle" };
        var sampling = new SamplingSettings { Temperature = 0.6 };
        var r = RolloutRequest.Create(q, teacher, 5, sampling);
        var whole = JsonSerializer.Serialize(new
        {
            model = teacher.ModelId,
            messages = new[] { new { role = "user", content = text } },
            sampling = sampling.Canonical(),
            sample_index = 5,
            seed = r.Seed,
        });
        Assert.Equal(Hashing.Hex(whole), r.RequestKey);
    }

    [Fact]
    public async Task FailedRequestsAreRecordedAndRetriedNextRun()
    {
        using var dir = new TempDir();
        var flaky = new FakeTeacher((q, seed) => seed % 3 == 0 ? throw new HttpRequestException("503 from endpoint") : $"<think>{seed}</think>\\boxed{{1}}");
        var first = await RunAsync(dir, new() { ["t1"] = flaky, ["t2"] = new FakeTeacher() });
        int failed;
        using (first.Store) failed = first.Store.Requests().Failed;
        Assert.True(failed > 0);
        var second = await RunAsync(dir, new() { ["t1"] = new FakeTeacher(), ["t2"] = new FakeTeacher() });
        using (second.Store)
        {
            Assert.Equal(failed, second.Teachers["t1"].Calls);
            Assert.Equal(0, second.Teachers["t2"].Calls);
            Assert.Equal(36, second.Store.Trajectories().Count);
        }
    }

    [Fact]
    public async Task IngestIsIdempotent()
    {
        using var dir = new TempDir();
        using var store = RunStore.Open(dir.Path);
        Assert.Equal(2, store.IngestQuestions([Spine.Q("a"), Spine.Q("b")]));
        Assert.Equal(1, store.IngestQuestions([Spine.Q("a"), Spine.Q("c")]));
        Assert.Equal(["a", "b", "c"], store.Questions().Select(q => q.Id));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task ARunFolderRefusesADifferentRecipe()
    {
        using var dir = new TempDir();
        using var store = RunStore.Open(dir.Path);
        var recipe = RecipeLoader.Parse(RecipeYaml, dir.File("fake.yaml"), LabExtension.Kinds);
        store.SnapshotRecipe(recipe, RecipeYaml);
        store.SnapshotRecipe(recipe, RecipeYaml); // same recipe: fine
        var e = Assert.Throws<RunStoreException>(() => store.SnapshotRecipe(recipe with { Sampling = recipe.Sampling with { Seed = 6 } }, RecipeYaml));
        Assert.Contains("holds a run of a different recipe", e.Message);
        // Read back whole: every field (the JSON), and the typed kinds as records (sources and teachers come back as the lab's).
        var back = store.Recipe(LabExtension.Kinds);
        Assert.Equal(dir.File("recipe.yaml"), back.SourcePath);
        Assert.Equal(RecipeJson.Write(recipe with { SourcePath = "fake.yaml" }), RecipeJson.Write(back with { SourcePath = "fake.yaml" }));
        Assert.Equal(recipe.Questions.Sources, back.Questions.Sources);
        Assert.Equal(recipe.Teachers, back.Teachers);
        Assert.Equal(recipe.Export.Formats, back.Export.Formats);
        Assert.Equal((recipe.Sampling, recipe.Filters, recipe.Diversity, recipe.Verifier), (back.Sampling, back.Filters, back.Diversity, back.Verifier));
        Assert.Equal(RecipeYaml, File.ReadAllText(dir.File("recipe.yaml")));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task ExportsValidateAgainstLlamaFactoryAndTrl()
    {
        using var dir = new TempDir();
        var (store, _, _) = await RunAsync(dir);
        using var _s = store;
        var selected = store.Selections("farthest").Where(s => s.IsSelected).ToList();
        Assert.NotEmpty(selected);
        var exports = Path.Combine(dir.Path, "exports");
        // Every export holds exactly the selected trajectories: (question, response) pairs, compared as sets.
        var expected = selected.Select(s => store.Trajectory(s.TrajectoryId)!)
            .Select(t => (store.Question(t.QuestionId)!.Text, t.RawResponse)).Order().ToList();

        using var sharegpt = JsonDocument.Parse(File.ReadAllText(Path.Combine(exports, "ded_test.sharegpt.json")));
        Assert.Equal(selected.Count, sharegpt.RootElement.GetArrayLength());
        foreach (var row in sharegpt.RootElement.EnumerateArray())
        {
            Assert.Equal(["conversations", "system"], row.EnumerateObject().Select(p => p.Name));
            Assert.Equal("You reason step by step.", row.GetProperty("system").GetString());
            var turns = row.GetProperty("conversations").EnumerateArray().ToList();
            Assert.Equal(["human", "gpt"], turns.Select(t => t.GetProperty("from").GetString()));
            Assert.All(turns, t => Assert.Equal(["from", "value"], t.EnumerateObject().Select(p => p.Name)));
            Assert.Contains(turns[0].GetProperty("value").GetString(), Questions);
            Assert.StartsWith("<think>", turns[1].GetProperty("value").GetString());
        }
        Assert.Equal(expected, sharegpt.RootElement.EnumerateArray().Select(row => row.GetProperty("conversations").EnumerateArray().ToList())
            .Select(t => (t[0].GetProperty("value").GetString()!, t[1].GetProperty("value").GetString()!)).Order());

        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(exports, "dataset_info.json")));
        var entry = info.RootElement.GetProperty("ded_test");
        Assert.Equal("ded_test.sharegpt.json", entry.GetProperty("file_name").GetString());
        Assert.True(File.Exists(Path.Combine(exports, entry.GetProperty("file_name").GetString()!)));
        Assert.Equal("sharegpt", entry.GetProperty("formatting").GetString());
        Assert.Equal("""{"messages":"conversations","system":"system"}""", entry.GetProperty("columns").GetRawText().Replace(" ", "").Replace("\n", ""));
        Assert.Equal("""{"role_tag":"from","content_tag":"value","user_tag":"human","assistant_tag":"gpt"}""", entry.GetProperty("tags").GetRawText().Replace(" ", "").Replace("\n", ""));

        var lines = File.ReadAllLines(Path.Combine(exports, "ded_test.trl.jsonl"));
        Assert.Equal(selected.Count, lines.Length);
        foreach (var line in lines)
        {
            using var row = JsonDocument.Parse(line);
            Assert.Equal(["messages"], row.RootElement.EnumerateObject().Select(p => p.Name));
            var messages = row.RootElement.GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal(["system", "user", "assistant"], messages.Select(m => m.GetProperty("role").GetString()));
            Assert.All(messages, m => Assert.Equal(["role", "content"], m.EnumerateObject().Select(p => p.Name)));
        }
        Assert.Equal(expected, lines.Select(l => JsonNode.Parse(l)!["messages"]!.AsArray())
            .Select(m => (m[1]!["content"]!.GetValue<string>(), m[2]!["content"]!.GetValue<string>())).Order());

        await using var parquet = File.OpenRead(Path.Combine(exports, "ded_test.parquet"));
        var result = await ParquetSerializer.DeserializeAsync<ExportRow>(parquet);
        Assert.Equal(["trajectory_id", "question_id", "teacher", "question", "response"], result.Schema.DataFields.Select(f => f.Name));
        var rows = result.Data;
        Assert.Equal(selected.Select(s => s.TrajectoryId).Order(), rows.Select(r => r.TrajectoryId).Order());
        Assert.All(rows, r => Assert.Equal(store.Trajectory(r.TrajectoryId)!.RawResponse, r.Response));
        Assert.Equal(expected, rows.Select(r => (r.Question, r.Response)).Order());
    }

    [Fact]
    public async Task ShowPrintsTheWholeLineage()
    {
        using var dir = new TempDir();
        var (store, _, _) = await RunAsync(dir);
        using var _s = store;
        var chosen = store.Selections("farthest").First(s => s.IsSelected);
        var t = store.Trajectory(chosen.TrajectoryId)!;
        var text = Lineage.Describe(store, t.Id)!;
        string[] expected =
        [
            $"trajectory   {t.Id}",
            $"question     {t.QuestionId} (test, math/arithmetic, difficulty 1)",
            "teacher      " + t.Teacher + " (model lab/",
            "sampling     M=6 temperature=0.6 top_p=0.95 max_tokens=32768 base_seed=5",
            $"sample       index {t.SampleIndex}, seed {t.Seed}",
            "request      key " + t.RequestKey,
            "response     finish reason stop, ",
            "  raw        <think>",
            "verdict      correct by lab-exact: \\boxed{1} equals gold '1'",
            "filters      PASS truncation: finish reason 'stop'",
            "             PASS max_length: ",
            "             PASS think_pairing: one <think> before one </think>",
            "             PASS correctness: correct by lab-exact",
            "compression  not run for this question",
            $"selection    farthest: SELECTED (rank {chosen.Rank}): {chosen.Reason}",
        ];
        foreach (var line in expected) Assert.Contains(line, text);

        var wrong = store.Trajectories().First(x => store.FilterDecisionsOf(x.Id).Any(f => !f.Passed));
        var wrongText = Lineage.Describe(store, wrong.Id)!;
        Assert.Contains("FAIL correctness: wrong by lab-exact: \\boxed{0} differs from gold '1'", wrongText);
        Assert.Contains("selection    not a candidate: failed a filter", wrongText);

        var question = Lineage.Describe(store, t.QuestionId)!;
        Assert.Contains("trajectories 12", question);
        Assert.Contains($"{t.Id}  teacher {t.Teacher}  sample {t.SampleIndex}  verdict correct  filters pass  selected farthest", question);
        Assert.Null(Lineage.Describe(store, "nope"));
    }

    [Fact]
    public async Task MetricsFunnelCountsTheStore()
    {
        using var dir = new TempDir();
        var (store, _, recipe) = await RunAsync(dir);
        using var _s = store;
        var metrics = CurationMetrics.Build(store, recipe, isQuick: false, DateTimeOffset.UtcNow);
        var funnel = metrics.Funnel!;
        // The fake teacher answers \boxed{seed % 2}; gold is "1": the wrong ones are exactly the even seeds.
        int wrong = store.Trajectories().Count(t => t.Seed % 2 == 0);
        Assert.Equal((3, 36, wrong, 0, 0), (funnel.QuestionsIn, funnel.TrajectoriesSampled, funnel.Wrong, funnel.BadlyFormed, funnel.Truncated));
        Assert.Equal(store.Selections("farthest").Count(s => s.IsSelected), funnel.Selected);
        // The steps add up: every trajectory is either passed or counted at exactly one step.
        Assert.Equal(store.PassedAllFilters().Count, funnel.TrajectoriesSampled - funnel.Truncated - funnel.BadlyFormed - funnel.Wrong);
        Assert.Equal(funnel.QuestionsKept, funnel.QuestionsIn - funnel.NoCorrectAnswer - funnel.TooEasy);
        Assert.Equal(["t1", "t2"], metrics.Histograms.Select(h => h.Series).Order());
        var browsed = metrics.Selected[0];
        Assert.Equal(browsed.Chosen.Count * browsed.Chosen.Count, browsed.Distances.Count);
        Assert.Equal("6", metrics.Run.Settings["M"]);
        Assert.EndsWith("metrics.json", CurationMetrics.Write(store, metrics));
        Assert.Empty(funnel.Warnings);
        // Where the time went (issue 17): each stage in the order it ran, with the rows it handled.
        Assert.Equal(["rollout", "verify", "filter", "diversify.farthest", "export"], metrics.Stages.Select(s => s.Stage));
        Assert.Equal([36, 36, 36], metrics.Stages.Take(3).Select(s => s.Rows));
        Assert.Equal(funnel.Selected, metrics.Stages[^1].Rows);
        Assert.All(metrics.Stages, s => Assert.True(s.WallSeconds > 0 && s.CpuSeconds >= 0 && s.DatabaseBytes > 0, s.ToString()));
        Assert.True(metrics.Run.CpuSeconds > 0 && metrics.Run.PeakResidentBytes > 0);
    }

    [Fact]
    public async Task ATeacherWhoseResponsesCarryNoReasoningIsNamedInTheFunnelAndTheReport()
    {
        using var dir = new TempDir();
        var teachers = new Dictionary<string, FakeTeacher> { ["t1"] = new(), ["t2"] = new((_, _) => "\\boxed{1}") };
        var (store, _, recipe) = await RunAsync(dir, teachers);
        using var _s = store;
        var metrics = CurationMetrics.Build(store, recipe, isQuick: false, DateTimeOffset.UtcNow);
        var warning = Assert.Single(metrics.Funnel!.Warnings);
        Assert.StartsWith("teacher t2: none of its 18 responses carried reasoning", warning);
        Assert.Contains("**Warning:** teacher t2: none of its 18 responses", Ded.Reports.MarkdownReport.Render(metrics));
    }

    private sealed class Collect : IProgress<RolloutProgress>
    {
        public List<RolloutProgress> Reports { get; } = [];
        public void Report(RolloutProgress value) { lock (Reports) Reports.Add(value); }
    }

    [Fact]
    public async Task RolloutReportsProgressToTheEnd()
    {
        using var dir = new TempDir();
        using var store = RunStore.Open(dir.Path);
        var progress = new Collect();
        var questions = new[] { Spine.Q("a"), Spine.Q("b") };
        store.IngestQuestions(questions);
        var teacher = new TeacherClient(new LabTeacherSpec { Name = "t", Lab = "oracle" }, new FakeTeacher());
        var summary = await RolloutStage.RunAsync(store, questions, [teacher],
            new RolloutOptions { Sampling = new SamplingSettings { SamplesPerQuestion = 3 }, MaxConcurrency = 2 }, progress, CancellationToken.None);
        Assert.Equal((6, 0, 6, 0, 0, 0), (summary.Total, summary.AlreadyStored, summary.Sent, summary.Failed, summary.AbandonedEarlier, summary.FailedAttempts.Count));
        Assert.Equal(new RolloutProgress(6, 0, 0, 0, 0, null), progress.Reports[0]);
        var last = progress.Reports.Last(r => r.Done == 6);
        Assert.Equal((6, 0, 0, TimeSpan.Zero), (last.Total, last.InFlight, last.Failed, last.Eta!.Value));
        Assert.All(progress.Reports, r => Assert.InRange(r.InFlight, 0, 2));
    }
}
