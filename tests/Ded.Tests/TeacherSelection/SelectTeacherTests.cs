using System.Text.Json;
using System.Text.Json.Nodes;
using Ded.Recipes;
using Ded.Runs;
using Ded.Teachers;
using Ded.Tests.Serving;
using Ded.Tests.Spine;
using Ded.Tests.Student;
using Ded.Tests.Support;
using Ded.Verification;
using Xunit;
using CliProcess = Ded.Tests.Serving.Cli;

namespace Ded.Tests.TeacherSelection;

/// <summary>
/// Issue 13's acceptance: `ded select-teacher` over served teachers and students (`ded serve` playing vLLM), then `ded
/// run` compressing with the served student; and the signals over real recorded model outputs.
/// </summary>
[Collection(TorchCollection.Name)]
public class SelectTeacherTests
{
    private const int Questions = 8;

    private static string ServedTeacher(string name, string url) =>
        $"  - {{ name: {name}, endpoint: {{ base_url: '{url}', model: lab/{name}, max_in_flight: 8, retry: {{ max_attempts: 1 }} }} }}";

    private static string LabRecipe(string teachers, string student, string selectTeacher) => $"""
        name: served-select
        questions:
          sources:
            - lab: {"{"} families: [arithmetic, linear, remainder], count: {Questions}, seed: 3 {"}"}
        teachers:
        {teachers}
        student: {student}
        verifier: math
        sampling: {"{"} samples_per_question: 4, temperature: 0.7, top_p: 0.95, max_tokens: 4096, seed: 5 {"}"}
        filters: {"{"} max_length: 4000, length_unit: chars {"}"}
        compression: {"{"} enabled: true, k: 2, threshold: 0.5, max_tokens: 48 {"}"}
        diversity: {"{"} p: 2 {"}"}
        export: {"{"} formats: [llamafactory, trl] {"}"}
        select_teacher:
        {selectTeacher}
        """;

    private const string Evaluation = """
          evaluation:
            benchmarks:
              - lab: { families: [arithmetic, linear, remainder], count: 6, seed: 9 }
            samples: 2
            max_tokens: 200
        """;

    private static JsonNode LastJson(string stdout) => JsonNode.Parse(stdout.TrimEnd().Split('\n')[^1])!;

    [SkippableFact]
    public async Task ServedTeachersAreRankedByTheirStudentsWithIntervalsThenTheServedStudentCompresses()
    {
        using var dir = new TempDir();
        await using var careful = await ServedProcess.StartAsync(null, "--lab-teacher", "careful");
        await using var verbose = await ServedProcess.StartAsync(null, "--lab-teacher", "verbose");
        await using var served = await ServedProcess.StartAsync(null, "--checkpoint", Path.Combine(SharedData.RepoRoot, "lab", "base-student"), "--model-id", "student");
        var yaml = LabRecipe(ServedTeacher("careful", careful.BaseUrl) + "\n" + ServedTeacher("verbose", verbose.BaseUrl),
            $"{{ endpoint: {{ base_url: '{served.BaseUrl}', model: student, retry: {{ max_attempts: 1 }} }} }}",
            "  engine: ded\n  student: { lab: tiny }\n  sft: { steps: 8, learning_rate: 0.0002, warmup_steps: 2 }\n" + Evaluation + "\n  signals: { responses: 8 }\n");
        File.WriteAllText(dir.File("recipe.yaml"), yaml);

        var (code, stdout, err) = await CliProcess.RunAsync(null, "select-teacher", dir.File("recipe.yaml"), "--out", dir.File("select"));
        Assert.True(code == 0, err + stdout);
        var line = LastJson(stdout);
        var teachers = line["teachers"]!.AsArray();
        Assert.Equal(["careful", "verbose"], teachers.Select(t => t!["name"]!.GetValue<string>()));
        foreach (var t in teachers)
        {
            var (mean, low, high) = (t!["student_score"]!["mean"]!.GetValue<double>(), t["student_score"]!["low"]!.GetValue<double>(), t["student_score"]!["high"]!.GetValue<double>());
            Assert.InRange(mean, low, high);
            foreach (var signal in new[] { "loss", "entropy", "rsr" }) Assert.True(t["signals"]![signal]!.GetValue<double>() > 0, signal);
        }
        var scores = teachers.Select(t => t!["student_score"]!).ToList();
        var best = scores.MaxBy(s => s["mean"]!.GetValue<double>())!;
        var other = scores.Single(s => s != best);
        var separated = best["low"]!.GetValue<double>() > other["high"]!.GetValue<double>();
        Assert.Equal(separated, line["winner"] is not null);       // named only when its interval separates it
        Assert.Contains(separated ? "lies above every other teacher's" : "smoke test: not separated", stdout);
        Assert.Equal(["loss", "entropy", "rsr"], line["spearman"]!.AsObject().Select(kv => kv.Key));
        // One sample per question per teacher, each corpus exported on its own.
        Assert.Equal(Questions, await careful.RequestsAsync());
        Assert.Equal(Questions, await verbose.RequestsAsync());
        Assert.Equal(Questions, JsonNode.Parse(File.ReadAllText(dir.File("select/exports/smoke/careful/ded_lab_smoke_careful.sharegpt.json")))!.AsArray().Count);
        Assert.Contains("## Teacher selection (ded select-teacher)", File.ReadAllText(dir.File("select/report.md")));

        // A rerun sends nothing, trains nothing and scores nothing again: the same decision.
        var rerun = await CliProcess.RunAsync(null, "select-teacher", dir.File("recipe.yaml"), "--out", dir.File("select"));
        Assert.True(rerun.Code == 0, rerun.Err);
        Assert.Equal(line.ToJsonString(), LastJson(rerun.Out).ToJsonString());
        Assert.Equal(Questions, await careful.RequestsAsync());
        Assert.Contains("student of careful: evaluated by an earlier run", rerun.Out);
        Assert.Contains("signals verbose: 8 responses scored by an earlier run", rerun.Out);

        // Then DED's curation with the served student's pass rates, graded by the math verifier.
        var run = await CliProcess.RunAsync(null, "run", dir.File("recipe.yaml"), "--out", dir.File("run"));
        Assert.True(run.Code == 0, run.Err + run.Out);
        var decisions = RunDb.Rows(dir.File("run"), "SELECT reason FROM compression");
        Assert.NotEmpty(decisions);
        Assert.All(decisions, reason => Assert.Contains("(k=2; math: ", reason));
        Assert.Equal(decisions.Count, await served.RequestsAsync()); // one request (n = k) per question asked
        var exported = File.ReadAllLines(dir.File("run/exports/ded_lab.trl.jsonl")).Length;
        Assert.Equal(RunDb.Count(dir.File("run"), "SELECT count(*) FROM selections WHERE strategy = 'farthest' AND selected = 1"), exported);
    }

    [SkippableFact]
    public async Task AnExternalEngineGetsOneConfigPerTeacherAndItsServedStudentsAreEvaluatedOnTheRerun()
    {
        using var dir = new TempDir();
        await using var served = await ServedProcess.StartAsync(null, "--checkpoint", Path.Combine(SharedData.RepoRoot, "lab", "base-student"), "--model-id", "student");
        var yaml = LabRecipe("  - { name: careful, lab: careful }\n  - { name: verbose, lab: verbose }",
            $"{{ endpoint: {{ base_url: '{served.BaseUrl}', model: student, retry: {{ max_attempts: 1 }} }}, chat_template: chatml }}",
            "  engine: llamafactory\n  base_model: Qwen/Qwen2.5-0.5B-Instruct\n  gpus: 1\n  per_device_batch: 4\n" + Evaluation + "\n" +
            "  signals: { responses: 4, max_response_chars: 40 }\n");
        File.WriteAllText(dir.File("recipe.yaml"), yaml);

        var (code, stdout, err) = await CliProcess.RunAsync(null, "select-teacher", dir.File("recipe.yaml"), "--out", dir.File("select"));
        Assert.True(code == 0, err + stdout);
        var line = LastJson(stdout);
        Assert.All(line["teachers"]!.AsArray(), t => Assert.Null(t!["student_score"]));
        Assert.Null(line["winner"]);
        var config = File.ReadAllText(dir.File("select/select-teacher/train/careful/llamafactory_sft.yaml"));
        Assert.Contains($"dataset_dir: \"{dir.File("select/exports/smoke/careful")}\"", config);
        Assert.Contains("model_name_or_path: \"Qwen/Qwen2.5-0.5B-Instruct\"", config);
        Assert.Contains("template: \"qwen\"", config);
        var script = File.ReadAllLines(dir.File("select/select-teacher/train.sh"));
        Assert.Equal(2, script.Count(l => l.StartsWith("llamafactory-cli train ", StringComparison.Ordinal)));
        // Signals from the served base student: log-probabilities and ranks through prompt_logprobs, no entropy.
        foreach (var t in line["teachers"]!.AsArray())
        {
            Assert.True(t!["signals"]!["rsr"]!.GetValue<double>() >= 1);
            Assert.Null(t["signals"]!["entropy"]);
        }
        Assert.Contains("entropy not available: a served student returns no distribution", stdout);

        var rerun = await CliProcess.RunAsync(null, "select-teacher", dir.File("recipe.yaml"), "--out", dir.File("select"),
            "--students", $"careful={served.BaseUrl}", $"verbose={served.BaseUrl}");
        Assert.True(rerun.Code == 0, rerun.Err + rerun.Out);
        var scores = LastJson(rerun.Out)["teachers"]!.AsArray().Select(t => t!["student_score"]!.ToJsonString()).ToList();
        Assert.Equal(scores[0], scores[1]); // the same served model, the same seed: the same score, so no winner
        Assert.Null(LastJson(rerun.Out)["winner"]);
        Assert.Contains("smoke test: not separated", rerun.Out);
    }

    /// <summary>Six real models' answers to the same 30 AIME 2024 questions (NovaSky-AI/SkyThought@9a750c7), as recorded teachers.</summary>
    private static string TracesRecipe(string traces, string aime, int responses) =>
        $"""
        name: aime24-traces
        questions:
          sources:
            - jsonl: {"{"} path: '{aime}', id: id, question: problem_qwen25math, answer: answer, domain: math {"}"}
        teachers:
        {string.Join("\n", TraceTeachers.Select(t => $"  - {{ name: {t.Name}, recorded: {{ path: '{traces}', question_field: question, response_field: response, where: {{ teacher: '{t.Model}' }} }} }}"))}
        verifier: math
        student: {"{"} lab: tiny {"}"}
        filters: {"{"} length_unit: chars, max_length: 200000, think_pairing: false {"}"}
        select_teacher:
          signals: {"{"} responses: {responses}, seed: 1, max_response_chars: 200 {"}"}
        """;

    private static readonly (string Name, string Model)[] TraceTeachers =
    [
        ("qwen14b", "Qwen/Qwen2.5-14B-Instruct"), ("qwen-math7b", "Qwen/Qwen2.5-Math-7B"), ("gemma27b", "google/gemma-2-27b-it"),
        ("llama8b", "meta-llama/Llama-3.1-8B"), ("sky32b", "Sky-T1-math-correct-5K-32B (checkpoint-133)"), ("sky27b", "Sky-T1-math-correct-5K-27B"),
    ];

    [SkippableFact]
    public async Task SignalsOnlyRanksAllSixRecordedModelsOnAime24AndCountsTheEmptyResponses()
    {
        var traces = SharedData.Require("traces_sample.jsonl");
        var aime = SharedData.Require("aime24.jsonl");
        using var dir = new TempDir();
        File.WriteAllText(dir.File("traces.yaml"), TracesRecipe(traces, aime, responses: 6));

        var (code, stdout, err) = await CliProcess.RunAsync(null, "select-teacher", dir.File("traces.yaml"), "--out", dir.File("select"), "--signals-only");
        Assert.True(code == 0, err + stdout);
        var line = LastJson(stdout);
        Assert.Null(line["winner"]);
        Assert.Empty(line["spearman"]!.AsObject());
        Assert.Equal(TraceTeachers.Select(t => t.Name), line["teachers"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        foreach (var t in line["teachers"]!.AsArray())
        {
            Assert.Null(t!["student_score"]);
            Assert.True(t["signals"]!["rsr"]!.GetValue<double>() >= 1, t.ToJsonString());
            Assert.True(t["signals"]!["loss"]!.GetValue<double>() > 0);
            Assert.True(t["signals"]!["entropy"]!.GetValue<double>() > 0);
        }
        // Every model's 30 answers were matched by question text; Llama-3.1-8B base left 20 of them empty.
        Assert.Equal(180, RunDb.Count(dir.File("select"), "SELECT count(*) FROM trajectories"));
        Assert.Equal(20, RunDb.Count(dir.File("select"), "SELECT count(*) FROM trajectories WHERE raw_response = ''"));
        var signals = JsonNode.Parse(File.ReadAllText(dir.File("select/select-teacher/signals.json")))!;
        var llama = signals["llama8b"]!;
        var sampled = llama["sample"]!.AsArray().Select(id => $"'{id}'");
        int empty = RunDb.Count(dir.File("select"), $"SELECT count(*) FROM trajectories WHERE raw_response = '' AND id IN ({string.Join(",", sampled)})");
        Assert.True(empty > 0);
        Assert.Equal(empty, llama["empty"]!.GetValue<int>());
        Assert.Contains($"llama8b: signals {6 - empty} of 6 sampled responses scored; {empty} empty (no tokens) left out", stdout);
        // All six ranked by RSR, lowest first, as the JSON line's values order them.
        var byRsr = line["teachers"]!.AsArray().OrderBy(t => t!["signals"]!["rsr"]!.GetValue<double>()).Select((t, i) => $"{i + 1}. {t!["name"]!.GetValue<string>()}").ToList();
        var ranking = stdout.Split('\n').Single(l => l.StartsWith("ranked by RSR (lower is better", StringComparison.Ordinal));
        Assert.Equal(byRsr, System.Text.RegularExpressions.Regex.Matches(ranking, @"\d\. [\w-]+").Select(m => m.Value));
    }

    /// <summary>Recorded teachers go through verification: Ded's math verifier agrees with the upstream harness's own grading
    /// (the file's `correct`, Qwen2.5-Math's math_equal) on every one of the 180 answers.</summary>
    [SkippableFact]
    public async Task TheMathVerifierGradesTheRecordedAnswersAsTheUpstreamHarnessDid()
    {
        var traces = SharedData.Require("traces_sample.jsonl");
        var aime = SharedData.Require("aime24.jsonl");
        using var dir = new TempDir();
        var yaml = TracesRecipe(traces, aime, responses: 1);
        var recipe = RecipeLoader.Parse(yaml, dir.File("traces.yaml"), LabExtension.Kinds);
        var (verifier, _) = Verifiers.Create(recipe.Verifier, () => throw new InvalidOperationException("math needs no sandbox"), recipe.Extensions);
        var services = new CurationServices { Teachers = spec => TeacherClients.Create(spec, TimeSpan.Zero), Verifier = verifier };
        var run = CurationRun.Prepare(recipe, yaml, services, throughExport: false);
        using var store = RunStore.Open(dir.File("run"));
        await CurationRun.RolloutAsync(store, run, services, CancellationToken.None);
        await CurationRun.FilterAsync(store, recipe, services, CancellationToken.None);

        var byModel = TraceTeachers.ToDictionary(t => t.Model, t => t.Name);
        var ours = store.Trajectories().ToDictionary(t => (t.Teacher, t.QuestionId), t => store.VerdictsOf(t.Id).Single().Kind == VerdictKind.Correct);
        var upstream = File.ReadLines(traces).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(180, ours.Count);
        Assert.All(upstream, row => Assert.True(
            ours[(byModel[row["teacher"]!.GetValue<string>()], row["aime_id"]!.GetValue<string>())] == row["correct"]!.GetValue<bool>(),
            $"{row["teacher"]} on {row["aime_id"]}: upstream says {row["correct"]}"));
    }
}
