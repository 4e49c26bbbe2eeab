using Ded.Rollouts;
using Ded.Runs;
using Ded.Teachers.Endpoints;
using Ded.Tests.Endpoints;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Xunit;

namespace Ded.Tests.Spine;

/// <summary>
/// What a run folder records about its requests: one `requests` row per attempt with cause, status and redacted error,
/// counts that agree with the endpoint stack's own, metrics and reports by cause; and its one-writer lock.
/// </summary>
public sealed class RunAccountingTests
{
    private static readonly Ded.Data.Question[] Questions = [Spine.Q("a", "What is 1 + 1?"), Spine.Q("b", "What is 2 + 2?")];

    private static TeacherClient Teacher(string baseUrl, string? keyEnv = null, int attempts = 4) =>
        TeacherClients.Create(new EndpointTeacherSpec
        {
            Name = "t",
            Endpoint = new EndpointOptions
            {
                BaseUrls = [baseUrl], Model = "fault-model", ApiKeyEnv = keyEnv, AttemptTimeout = TimeSpan.FromSeconds(30),
                Retry = new EndpointRetryOptions { MaxAttempts = attempts, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
            },
        }, TimeSpan.Zero);

    private static Task<RolloutSummary> RolloutAsync(RunStore store, TeacherClient teacher, int m = 2)
    {
        store.IngestQuestions(Questions);
        return RolloutStage.RunAsync(store, Questions, [teacher],
            new RolloutOptions { Sampling = new SamplingSettings { SamplesPerQuestion = m }, MaxConcurrency = 4 }, null, CancellationToken.None);
    }

    private static List<(long Attempt, string Key, string Status, string? Cause, int? Code, string? Error)> Rows(string folder)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "run.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT attempt, request_key, status, cause, status_code, error FROM requests ORDER BY attempt";
        using var r = cmd.ExecuteReader();
        var rows = new List<(long, string, string, string?, int?, string?)>();
        while (r.Read())
            rows.Add((r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetInt32(4),
                r.IsDBNull(5) ? null : r.GetString(5)));
        return rows;
    }

    [Fact]
    public async Task EveryAttemptIsARowInTimeOrderAndAgreesWithTheEndpointCounters()
    {
        using var dir = new TempDir();
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { ScriptedFault = Fault.ServerError, ScriptedFaultAttempts = 2 });
        var teacher = Teacher(server.BaseUrl);
        RolloutSummary summary;
        using (var store = RunStore.Open(dir.Path))
            summary = await RolloutAsync(store, teacher, m: 1); // one sample per question: the server's fault script is per question

        var rows = Rows(dir.Path);
        Assert.Equal(server.Requests, rows.Count); // every attempt the server saw is a row, and no more
        Assert.Equal(6, rows.Count);
        foreach (var sample in rows.GroupBy(r => r.Key))
        {
            Assert.Equal(new (string, string?, int?)[] { ("retried", "server_error", 500), ("retried", "server_error", 500), ("done", null, null) },
                sample.Select(r => (r.Status, r.Cause, r.Code)));
            Assert.All(sample.Take(2), r => Assert.Contains("ServerError", r.Error));
        }
        var stats = teacher.Client.GetService<EndpointStats>()!.Snapshot();
        Assert.Equal(stats.RetriesByCause[FaultCause.ServerError], rows.Count(r => r.Status == "retried"));
        var retried = Assert.Single(summary.FailedAttempts);
        Assert.Equal(("retried", "server_error", (int?)500, 4), (retried.Outcome, retried.Cause, retried.StatusCode, retried.Count));
        Assert.Equal((2, 0, false), (summary.Sent, summary.Failed, summary.AllFailed));
    }

    [Fact]
    public async Task AllFailedIsSaidByCauseWithAdviceAndNoKeyIsStored()
    {
        using var dir = new TempDir();
        const string key = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
        var env = "DED_TEST_ACCOUNTING_KEY_" + Environment.ProcessId;
        Environment.SetEnvironmentVariable(env, key);
        try
        {
            await using var server = await FaultServer.StartAsync(new FaultServerOptions
                { FixedStatus = 401, FixedBody = new string('x', 290) + "{\"error\":{\"message\":\"Incorrect API key provided: {auth}\"}}" });
            using var store = RunStore.Open(dir.Path);
            var summary = await RolloutAsync(store, Teacher(server.BaseUrl, env));

            Assert.True(summary.AllFailed);
            var failed = Assert.Single(summary.FailedAttempts);
            Assert.Equal(("failed", "unauthorized", (int?)401, 4), (failed.Outcome, failed.Cause, failed.StatusCode, failed.Count));
            Assert.Equal("4 x unauthorized (HTTP 401)", failed.Label);
            Assert.Contains($"check that environment variable {env} holds a valid key", failed.Example);
            Assert.Contains("api_key_env", failed.Advice);
            var message = new RolloutFailedException(summary).Message;
            Assert.StartsWith("every one of the 4 samples sent failed, so nothing new was stored: 4 x unauthorized (HTTP 401): endpoint ", message);

            var metrics = CurationMetrics.Requests(store);
            Assert.Equal((4, 0, 0, 4), (metrics.Attempts, metrics.Answered, metrics.Retried, metrics.Failed));
            Assert.Equal(4, metrics.SamplesMissing);
            var cause = Assert.Single(metrics.Causes);
            Assert.Equal(("failed", "unauthorized", (int?)401, 4), (cause.Outcome, cause.Cause, cause.StatusCode, cause.Count));

            var stored = string.Join("\n", Rows(dir.Path).Select(r => r.Error)) + message;
            for (int i = 0; i + 8 <= key.Length; i++)
                Assert.DoesNotContain(key.Substring(i, 8), stored, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(env, null);
        }
    }

    [Fact]
    public void OneWriterAtATimeWhileReadersRead()
    {
        using var dir = new TempDir();
        using (var writer = RunStore.Open(dir.Path))
        {
            writer.IngestQuestions(Questions);
            var e = Assert.Throws<RunStoreException>(() => RunStore.Open(dir.Path));
            Assert.StartsWith($"{dir.Path} is in use by another process (pid {Environment.ProcessId} on {Environment.MachineName}, started ", e.Message);
            Assert.EndsWith("one run folder has one writer at a time; wait for it to finish or stop it, or use another --out folder. `ded show` reads it meanwhile.", e.Message);
            using var reader = RunStore.OpenToRead(dir.Path);
            Assert.Equal(["a", "b"], reader.Questions().Select(q => q.Id));
        }
        Assert.False(File.Exists(Path.Combine(dir.Path, RunFolderLock.OwnerFile)));
        using var next = RunStore.Open(dir.Path); // released on dispose
        Assert.Equal(2, next.Questions().Count);
    }

    [Fact]
    public void AFolderThatCannotBeCreatedIsOneRunStoreError()
    {
        // procfs refuses new entries (Linux answers ENOENT, which .NET reports as FileNotFoundException).
        var e = Assert.Throws<RunStoreException>(() => RunStore.Open("/proc/ded-no-such-run"));
        Assert.StartsWith("cannot create the run folder /proc/ded-no-such-run: ", e.Message);
    }

    [Fact]
    public void AFolderWrittenBeforeAttemptCausesGainsTheColumns()
    {
        using var dir = new TempDir();
        using (var db = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "run.db")};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE requests(attempt INTEGER PRIMARY KEY AUTOINCREMENT, request_key TEXT NOT NULL, trajectory_id TEXT NOT NULL,
                    invocation TEXT NOT NULL, sent_at TEXT NOT NULL, status TEXT NOT NULL, finished_at TEXT, error TEXT);
                INSERT INTO requests(request_key, trajectory_id, invocation, sent_at, status, error) VALUES('k', 't', 'i', 'now', 'failed', 'old');
                """;
            cmd.ExecuteNonQuery();
        }
        using var store = RunStore.Open(dir.Path);
        var old = Assert.Single(store.FailedAttempts());
        Assert.Equal(("failed", "error", (int?)null, 1, "old"), (old.Outcome, old.Cause, old.StatusCode, old.Count, old.Example));
    }
}
