using System.Security.Cryptography;
using Ded.Recipes;
using Ded.Runs;
using Ded.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Ded.Tests.Spine;

/// <summary>The CLI as a real process: bad inputs leave the run as it was; a kill -9 mid-rollout resumes exactly.</summary>
public partial class CliProcessTests
{
    private const string GoodRecipe = "name: cli\nteachers:\n  - name: oracle\n    lab: oracle\n";
    private const string LabQuestions = "questions:\n  sources:\n    - lab: { count: 2 }\n";

    private static string Fingerprint(string folder) => string.Join("\n",
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order()
            .Select(f => $"{Path.GetRelativePath(folder, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));

    /// <summary>A run folder holding one run, closed (so its files are stable).</summary>
    private static string ExistingRun(TempDir dir)
    {
        var folder = dir.File("run");
        using var store = RunStore.Open(folder);
        store.SnapshotRecipe(RecipeLoader.Parse(GoodRecipe + LabQuestions, dir.File("cli.yaml"), LabExtension.Kinds), GoodRecipe + LabQuestions);
        store.IngestQuestions([Spine.Q("q1")]);
        return folder;
    }

    // Each row: recipe text, questions.jsonl text, the exact error line.
    public static TheoryData<string, string, string, string> BadInputs => new()
    {
        { "recipe typo", GoodRecipe + "sampling:\n  samples_per_questions: 2\n" + LabQuestions, "", "error: bad.yaml:6: unknown key 'samples_per_questions' in sampling (did you mean 'samples_per_question'?)" },
        { "bad json line", GoodRecipe + "questions:\n  sources:\n    - jsonl:\n        path: questions.jsonl\n        domain: math\n",
          "{\"id\": \"a\", \"question\": \"1+1?\", \"answer\": \"2\"}\n{\"id\": \"b\", \"question\": \"2+2?\", \"answer\": \"4\"}\n{\"id\": \"c\", \"question\": \"3+3?\" \"answer\": \"6\"}\n",
          "error: questions.jsonl:3: is not valid JSON at column 32; each line must be one JSON object" },
        { "missing field", GoodRecipe + "questions:\n  sources:\n    - jsonl:\n        path: questions.jsonl\n        question: problem\n        domain: math\n",
          "{\"id\": \"a\", \"problem\": \"1+1?\", \"answer\": \"2\"}\n{\"id\": \"b\", \"question\": \"2+2?\", \"answer\": \"4\"}\n",
          "error: questions.jsonl:2: problem is missing (map another field with the jsonl source's key in the recipe)" },
        { "missing api key", "teachers:\n  - name: qwq\n    endpoint: { base_url: 'http://127.0.0.1:9/v1', model: qwq, api_key_env: DED_TEST_NO_SUCH_KEY }\n" + LabQuestions, "",
          "error: bad.yaml:3: teachers[0].endpoint.api_key_env names DED_TEST_NO_SUCH_KEY, which is not set: export DED_TEST_NO_SUCH_KEY=<key> before the run, or remove api_key_env for a local engine" },
        // issue 16, items 4-7, through the real process (BadInputTests holds every case)
        { "duration 1e300", "teachers:\n  - name: qwq\n    endpoint: { base_url: 'http://127.0.0.1:9/v1', model: qwq, attempt_timeout: 1e300 }\n" + LabQuestions, "",
          "error: bad.yaml:3: teachers[0].endpoint.attempt_timeout must be from 0.01 s to 86400 s (got 1E+300 s)" },
        { "missing tokenizer", GoodRecipe + "tokenizer: nope/tokenizer.json\n" + LabQuestions, "",
          "error: bad.yaml:5: tokenizer file not found: {dir}/nope/tokenizer.json; point it at a tokenizer.json or the folder holding one" },
        { "unclosed YAML list", GoodRecipe + LabQuestions + "export:\n  formats: [trl, parquet\n", "",
          "error: bad.yaml:9: is not valid YAML: opens a `[` list that is never closed with `]`" },
        { "formats: []", GoodRecipe + LabQuestions + "export:\n  formats: []\n", "",
          "error: bad.yaml:9: export.formats is empty: name at least one of llamafactory, trl, parquet (or leave the key out for all)" },
        { "dataset_name traversal", GoodRecipe + LabQuestions + "export:\n  dataset_name: ../../escaped\n", "",
          "error: bad.yaml:9: export.dataset_name must be a plain name: letters, digits, '.', '-' and '_', starting with a letter or digit, at most 100 characters; it names files, folders or ids (got '../../escaped')" },
        { "invalid UTF-8", GoodRecipe + JsonlQuestions, "{\"id\": \"a\", \"question\": \"1+1?\", \"answer\": \"2\"}\n{\"id\": \"caf\u00e9\", \"question\": \"2+2?\", \"answer\": \"4\"}\n",
          "error: questions.jsonl:2: is not valid UTF-8 (byte 0xE9 at column 12); save the file as UTF-8" },
        { "lone surrogate", GoodRecipe + JsonlQuestions, "{\"id\": \"a\", \"question\": \"\\ud800?\", \"answer\": \"2\"}\n",
          "error: questions.jsonl:1: question holds an escape that is not text (a lone surrogate such as \\ud800); fix or drop it" },
        { "empty questions file", GoodRecipe + JsonlQuestions, "",
          "error: questions.jsonl:1: holds no questions (the file is empty); write one JSON object per line" },
        { "duplicate JSON keys", GoodRecipe + JsonlQuestions, "{\"id\": \"a\", \"question\": \"1+1?\", \"answer\": \"2\", \"answer\": \"3\"}\n",
          "error: questions.jsonl:1: answer appears twice in this line's object; keep one" },
        { "empty gold answer", GoodRecipe + JsonlQuestions, "{\"id\": \"a\", \"question\": \"1+1?\", \"answer\": \" \"}\n",
          "error: questions.jsonl:1: answer is empty; a question needs its text, its gold answer and (when given) its id" },
    };

    private const string JsonlQuestions = "questions:\n  sources:\n    - jsonl:\n        path: questions.jsonl\n        domain: math\n";

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInputsFailWithFileLineAndFieldAndLeaveTheRunAsItWas(string name, string recipe, string jsonl, string expected)
    {
        using var dir = new TempDir();
        var folder = ExistingRun(dir);
        File.WriteAllText(dir.File("bad.yaml"), recipe);
        File.WriteAllText(dir.File("questions.jsonl"), jsonl, System.Text.Encoding.Latin1); // rows are ASCII but for a byte that is not UTF-8
        var before = Fingerprint(folder);

        var (code, _, err) = await Spine.RunCliAsync("rollout", dir.File("bad.yaml"), "--out", folder);
        Assert.Equal((2, expected.Replace("{dir}", dir.Path)), (code, err.Trim()));
        Assert.Equal(before, Fingerprint(folder));

        var fresh = dir.File("fresh");
        (code, _, _) = await Spine.RunCliAsync("rollout", dir.File("bad.yaml"), "--out", fresh);
        Assert.Equal(2, code);
        Assert.False(Directory.Exists(fresh), name + ": a failed start creates no run folder");
    }

    [Fact]
    public async Task KilledMidRolloutTheRerunCompletesWithEveryRecordOnceAndNoRepeatedRequest()
    {
        using var dir = new TempDir();
        var folder = dir.File("lab");
        // Simulated endpoint latency keeps the rollout running long enough (~3 s) to be killed in the middle.
        string[] command = ["lab", "--quick", "--curation-only", "--out", folder, "--lab-latency-ms", "100"];
        int teachers = LabRecipe.Quick(RecipeLoader.Load(Path.Combine(SharedData.RepoRoot, "recipes", "lab.yaml"), LabExtension.Kinds)).Teachers.Count;
        int samples = LabRecipe.QuickQuestionsPerSource * teachers * LabRecipe.QuickSamplesPerQuestion;

        using (var first = Spine.StartCli(command))
        {
            int atKill = await WaitForTrajectoriesAsync(folder, first, min: 20);
            first.Kill(entireProcessTree: true); // SIGKILL: no cleanup, no flush
            await first.WaitForExitAsync();
            Assert.InRange(atKill, 20, samples - 1);
        }
        int storedAfterKill = Count(folder, "SELECT count(*) FROM trajectories");
        Assert.InRange(storedAfterKill, 20, samples - 1);

        var (code, stdout, stderr) = await Spine.RunCliAsync(command);
        Assert.True(code == 0, stderr);
        Assert.Contains($"rollout: {samples} samples, {storedAfterKill} already stored, {samples - storedAfterKill} received now, 0 failed", stdout);

        Assert.Equal(samples, Count(folder, "SELECT count(*) FROM trajectories"));
        Assert.Equal(samples, Count(folder, "SELECT count(DISTINCT request_key) FROM trajectories"));
        Assert.Equal(samples, Count(folder, "SELECT count(*) FROM requests WHERE status = 'done'"));
        Assert.Equal(samples, Count(folder, "SELECT count(DISTINCT request_key) FROM requests WHERE status = 'done'"));
        // No attempt was ever made for a sample after its response was stored...
        Assert.Equal(0, Count(folder, """
            SELECT count(*) FROM requests a JOIN requests b ON a.request_key = b.request_key AND a.attempt < b.attempt
            WHERE a.status = 'done'
            """));
        // ...and the only extra attempts are those the kill caught in flight (at most max_concurrency), each resent once.
        int abandoned = Count(folder, "SELECT count(*) FROM requests WHERE status = 'abandoned'");
        Assert.InRange(abandoned, 0, 8);
        Assert.Equal(samples + abandoned, Count(folder, "SELECT count(*) FROM requests"));
        Assert.Equal(0, Count(folder, "SELECT count(*) FROM requests WHERE status IN ('sent', 'failed')"));
        // Every later record exists once per trajectory.
        Assert.Equal(samples, Count(folder, "SELECT count(*) FROM verdicts"));
        Assert.Equal(samples * 4, Count(folder, "SELECT count(*) FROM filter_decisions"));
        Assert.Equal(Count(folder, "SELECT count(*) FROM (SELECT trajectory_id FROM filter_decisions GROUP BY trajectory_id HAVING min(passed) = 1)"),
            Count(folder, "SELECT count(*) FROM selections WHERE strategy = 'farthest'"));
        Assert.True(File.Exists(Path.Combine(folder, "exports", "ded_lab.sharegpt.json")));

        // `ded show` on a selected trajectory prints its whole lineage.
        var selected = stdout.Split('\n').Single(l => l.StartsWith("lineage of a row: ded show ")).Split(" ")[6];
        var (showCode, show, _) = await Spine.RunCliAsync("show", selected, "--out", folder);
        Assert.Equal(0, showCode);
        foreach (var label in new[] { "trajectory   " + selected, "question     ", "  gold       ", "teacher      ", $"sampling     M={LabRecipe.QuickSamplesPerQuestion} temperature=0.7",
                     "sample       index ", "request      key ", "response     finish reason stop", "  raw        <think>", "verdict      correct by lab-exact",
                     "filters      PASS truncation", "PASS max_length", "PASS think_pairing", "PASS correctness", "selection    farthest: SELECTED (rank " })
            Assert.Contains(label, show);
    }

    private static async Task<int> WaitForTrajectoriesAsync(string folder, System.Diagnostics.Process process, int min)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90); // the first start may build nothing but JIT a lot on a busy machine
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            int n = TryCount(folder);
            if (n >= min) return n;
            await Task.Delay(25);
        }
        throw new TimeoutException($"no {min} trajectories before the deadline (exited: {process.HasExited}): {process.StandardError.ReadToEnd()}");
    }

    private static int TryCount(string folder)
    {
        try
        {
            return File.Exists(Path.Combine(folder, "run.db")) ? Count(folder, "SELECT count(*) FROM trajectories") : 0;
        }
        catch (SqliteException)
        {
            return 0; // schema not created yet, or the writer holds a lock for a moment
        }
    }

    private static int Count(string folder, string sql)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "run.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt32(cmd.ExecuteScalar());
    }
}
