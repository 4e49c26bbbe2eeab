using System.Text.Json;
using Ded.Data;
using Ded.Recipes;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Teachers;
using Ded.Tests.Spine;
using Ded.Tests.Support;
using Ded.Verification;
using Ded.Verification.Math;
using Xunit;

namespace Ded.Tests.ShippedRecipes;

/// <summary>The math verifier's verdict kinds in a run, the judge beside the rules, and the pool source's screening.</summary>
public sealed class RunVerifierTests
{
    [SkippableTheory]
    [InlineData("\\frac{1}{2}", "<think>half</think>The answer is \\boxed{0.5}.", VerdictKind.Correct)]
    [InlineData("3", "<think>...</think>\\boxed{4}", VerdictKind.Wrong)]
    [InlineData("3", "<think>\\boxed{3}</think>so it is 4", VerdictKind.Wrong)] // a boxed guess in the reasoning is not the answer
    [InlineData("3", "<think>...</think>", VerdictKind.NoAnswer)]
    [InlineData("", "<think>...</think>\\boxed{4}", VerdictKind.Unverifiable)]
    public async Task MathVerdictsMapToRunVerdicts(string gold, string raw, VerdictKind expected)
    {
        var verdict = await new MathAnswerVerifier(MathVerifyOptions.Default).VerifyAsync(Spine.Spine.Q("q1", gold: gold), Answer.Of("t1", raw), default);
        Assert.Equal((expected, "math", "t1"), (verdict.Kind, verdict.Verifier, verdict.TrajectoryId));
    }

    /// <summary>A judge that says "equivalent" to everything, counting its calls.</summary>
    private sealed class YesJudge : IVerifier
    {
        public int Calls;
        public string Name => "judge:yes-model";

        public ValueTask<Verdict> VerifyAsync(Question question, Answer answer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return ValueTask.FromResult(new Verdict { TrajectoryId = answer.Id, Kind = VerdictKind.Correct, Reason = "yes", Verifier = Name });
        }
    }

    private const string RecipeYaml = """
        name: judged
        questions:
          sources:
            - lab: { count: 1 }
        teachers:
          - name: t1
            lab: oracle
        sampling:
          samples_per_question: 2
        verifier: math
        filters:
          length_unit: chars
          max_length: 1000
        diversity:
          p: 2
        """;

    [SkippableFact]
    public async Task JudgeVerdictIsStoredBesideTheRuleVerdictAndDecidesOnlyUnverifiable()
    {
        using var dir = new TempDir();
        var recipe = RecipeLoader.Parse(RecipeYaml, dir.File("judged.yaml"), LabExtension.Kinds);
        var judge = new YesJudge();
        var services = new CurationServices
        {
            Teachers = spec => new TeacherClient(spec, new FakeTeacher((_, _) => "<think>so</think>\\boxed{7}")),
            Verifier = new MathAnswerVerifier(recipe.Verifier.MathOptions()),
            Judge = judge,
        };
        // q-wrong: gold 8, answer 7 (wrong by rule); q-free: a gold the rules cannot parse.
        var questions = new[] { Spine.Spine.Q("q-wrong", "What is 4 + 4?", "8"), Spine.Spine.Q("q-free", "Name it.", "") };
        var run = CurationRun.Prepare(recipe, RecipeYaml, services, throughExport: true) with { Questions = questions };
        using var store = RunStore.Open(dir.File("run"));
        await CurationRun.RunAllAsync(store, run, services, CancellationToken.None);

        Assert.Equal(2, judge.Calls); // only q-free's two samples
        foreach (var t in store.TrajectoriesOf("q-free"))
            Assert.Equal([("judge:yes-model", VerdictKind.Correct), ("math", VerdictKind.Unverifiable)],
                store.VerdictsOf(t.Id).Select(v => (v.Verifier, v.Kind)));
        foreach (var t in store.TrajectoriesOf("q-wrong"))
            Assert.Equal([("math", VerdictKind.Wrong)], store.VerdictsOf(t.Id).Select(v => (v.Verifier, v.Kind)));
        var passed = store.PassedAllFilters();
        Assert.Equal(store.TrajectoriesOf("q-free").Select(t => t.Id).Order(), passed.Order());
        Assert.Equal(2, store.Metrics("verify")["judged"]);
    }

    [SkippableFact]
    public async Task PoolSourceIsDecontaminatedAndDedupedWithReasonsInTheRunFolder()
    {
        using var dir = new TempDir();
        string math500 = SharedData.Require("math500.jsonl");
        string firstProblem;
        using (var doc = JsonDocument.Parse(File.ReadLines(math500).First()))
            firstProblem = doc.RootElement.GetProperty("problem").GetString()!;
        var unique = "A farmer plants apple trees in rows of seven and pear trees in rows of five; how many trees are left over?";
        File.WriteAllLines(dir.File("pool.jsonl"), new[]
        {
            new { id = "bench", problem = firstProblem, answer = "x" },
            new { id = "keep-1", problem = unique, answer = "2" },
            new { id = "dup", problem = "  " + unique.ToUpperInvariant() + " ", answer = "2" },
            new { id = "keep-2", problem = "Which prime number lies between twenty and twenty-five in the list of integers?", answer = "23" },
        }.Select(r => JsonSerializer.Serialize(r)));
        var yaml = $"""
            name: pooled
            questions:
              sources:
                - pool: {"{"} path: pool.jsonl, id: id, domain: math {"}"}
              decontaminate:
                benchmarks: [{math500}]
              dedup:
                near_threshold: 0.8
            teachers:
              - name: t1
                lab: oracle
            sampling:
              samples_per_question: 1
            """;
        var recipe = RecipeLoader.Parse(yaml, dir.File("pooled.yaml"), LabExtension.Kinds);
        var services = new CurationServices { Teachers = spec => new TeacherClient(spec, new FakeTeacher()), Verifier = new LabExactVerifier() };
        var run = CurationRun.Prepare(recipe, yaml, services, throughExport: false);
        Assert.Equal(["keep-1", "keep-2"], run.Questions.Select(q => q.Id));
        Assert.Equal([("bench", "decontaminate"), ("dup", "dedup")], run.Dropped.Select(d => (d.Id, d.Step)));
        Assert.Contains("math500", run.Dropped[0].Reason);
        Assert.Contains("keep-1", run.Dropped[1].Reason);

        using var store = RunStore.Open(dir.File("run"));
        await CurationRun.RolloutAsync(store, run, services, CancellationToken.None);
        var lines = File.ReadAllLines(Path.Combine(store.Folder, "questions_dropped.jsonl"));
        Assert.Equal(["bench", "dup"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
        Assert.Equal(["keep-1", "keep-2"], store.Questions().Select(q => q.Id));
        // The later stage commands read the recipe back from the run's snapshot.
        var snapshot = store.Recipe(LabExtension.Kinds);
        Assert.Equal(("problem", "id", 0.8), (((PoolSource)snapshot.Questions.Sources[0]).Mapping.QuestionField,
            ((PoolSource)snapshot.Questions.Sources[0]).Mapping.IdField, snapshot.Questions.Dedup!.NearThreshold));
        Assert.Equal([math500], snapshot.Questions.Decontaminate!.Benchmarks);
    }

    [SkippableFact]
    public void PoolCountKeepsASeededSampleInPoolOrder()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("pool.jsonl"), Enumerable.Range(0, 50).Select(i => JsonSerializer.Serialize(new { problem = $"question {i}", answer = $"{i}" })));
        PoolSource Source(int seed) => new() { Path = dir.File("pool.jsonl"), Mapping = new Ded.Data.Pools.PoolMapping(), Domain = "math", Count = 10, Seed = seed };
        var first = QuestionLoader.FromPool(Source(1)).Select(q => q.Id).ToList();
        Assert.Equal(10, first.Count);
        Assert.Equal(first, QuestionLoader.FromPool(Source(1)).Select(q => q.Id));
        Assert.NotEqual(first, QuestionLoader.FromPool(Source(2)).Select(q => q.Id));
        Assert.Equal(first.OrderBy(id => int.Parse(id.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture)), first);
        Assert.NotEqual(Enumerable.Range(0, 10).Select(i => $"pool-{i}"), first); // not simply the head of the pool
    }

    [SkippableFact]
    public void MissingPoolFileSaysWhatToDo()
    {
        var e = Assert.Throws<InvalidOperationException>(() => QuestionLoader.FromPool(
            new PoolSource { Path = "/nonexistent/s1k.parquet", Mapping = new Ded.Data.Pools.PoolMapping(), Domain = "math" }));
        Assert.Equal("questions.sources pool path: /nonexistent/s1k.parquet not found; download the pool and set its `path` in the recipe", e.Message);
    }

    [SkippableFact]
    public async Task RecipeJudgeBlockReachesTheJudgeEndpoint()
    {
        await using var server = await Evaluation.ScriptedAnswerServer.StartAsync((prompt, _) =>
            new Evaluation.ScriptedReply(prompt.Contains("a red ball", StringComparison.Ordinal) ? "Same object.\nEQUIVALENT" : "Differs.\nNOT EQUIVALENT"));
        var recipe = RecipeLoader.Parse($"""
            verifier:
              kind: math
              judge:
                base_url: {server.BaseUrl}
                model: judge-7b
            teachers:
              - name: t
                lab: oracle
            questions: {"{"} sources: [{"{"} lab: {"{"} count: 1 {"}"} {"}"}] {"}"}
            """, "/tmp/judge.yaml", LabExtension.Kinds);
        var (rule, judge) = Verifiers.Create(recipe.Verifier, () => throw new InvalidOperationException("no sandbox for math"), LabExtension.Kinds);
        Assert.Equal("math", rule.Name);
        Assert.NotNull(judge);
        var verdict = await judge.VerifyAsync(Spine.Spine.Q("q1", "What is it?", "a red ball"), Answer.Of("t1", "<think>.</think>the red ball"), default);
        Assert.Equal(("judge:judge-7b", VerdictKind.Correct, "t1"), (verdict.Verifier, verdict.Kind, verdict.TrajectoryId));
        verdict = await judge.VerifyAsync(Spine.Spine.Q("q2", "What is it?", "a cube"), Answer.Of("t2", "<think>.</think>a sphere"), default);
        Assert.Equal(VerdictKind.Wrong, verdict.Kind);
    }
}
