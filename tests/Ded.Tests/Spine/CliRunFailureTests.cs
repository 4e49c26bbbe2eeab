using System.Diagnostics;
using System.Text.Json;
using Ded.Runs;
using Ded.Tests.Endpoints;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Ded.Tests.Spine;

/// <summary>
/// The CLI when things go wrong around a run: every sample failing, some failing, a second process on the folder, a
/// full or read-only disk. Each ends with one line saying what and where, never a stack trace, and loses nothing.
/// </summary>
public partial class CliProcessTests
{
    private const string Key54 = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";

    private static string EndpointRecipe(string baseUrl, string? keyEnv) => $"""
        name: served
        teachers:
          - name: qwq
            endpoint: {"{"} base_url: '{baseUrl}', model: fault-model{(keyEnv is null ? "" : $", api_key_env: {keyEnv}")}, retry: {"{"} max_attempts: 3, base_delay: 0.01 {"}"} {"}"}
        questions:
          sources:
            - jsonl: {"{"} path: q.jsonl {"}"}
        verifier: lab
        sampling: {"{"} samples_per_question: 2 {"}"}
        filters: {"{"} length_unit: chars {"}"}

        """;

    private const string TwoQuestions = "{\"id\": \"a\", \"question\": \"What is 1 + 1?\", \"answer\": \"2\"}\n{\"id\": \"b\", \"question\": \"What is 2 + 2?\", \"answer\": \"4\"}\n";

    private static void AssertOneLine(string stderr)
    {
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", stderr);
    }

    private static void AssertNoKeyFragment(params string[] texts)
    {
        for (int i = 0; i + 8 <= Key54.Length; i++)
            Assert.DoesNotContain(texts, t => t.Contains(Key54.Substring(i, 8), StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARunWhoseEverySampleFailsExitsNonZeroSayingWhyAndWhatToDo()
    {
        using var dir = new TempDir();
        var env = "DED_TEST_CLI_KEY_" + Environment.ProcessId;
        Environment.SetEnvironmentVariable(env, Key54); // the child inherits it
        try
        {
            await using var server = await FaultServer.StartAsync(new FaultServerOptions
                { FixedStatus = 401, FixedBody = new string('.', 280) + "{\"error\":{\"message\":\"Incorrect API key provided: {auth}\"}}" });
            File.WriteAllText(dir.File("r.yaml"), EndpointRecipe(server.BaseUrl, env));
            File.WriteAllText(dir.File("q.jsonl"), TwoQuestions);
            var folder = dir.File("run");

            var (code, stdout, stderr) = await Spine.RunCliAsync("run", dir.File("r.yaml"), "--out", folder);

            Assert.True(code == 1, stderr);
            AssertOneLine(stderr);
            Assert.StartsWith($"error: every one of the 4 samples sent failed, so nothing new was stored: 4 x unauthorized (HTTP 401): endpoint {server.BaseUrl} " +
                              $"answered HTTP 401: it rejected the key: check that environment variable {env} holds a valid key for this endpoint. Server said: ", stderr);
            Assert.Contains("rollout: 4 samples, 0 already stored, 0 received now, 4 failed", stdout);
            Assert.Contains("  failed 4 x unauthorized (HTTP 401): the endpoint rejected the API key: check that the variable named by endpoint.api_key_env", stdout);
            Assert.False(File.Exists(Path.Combine(folder, "metrics.json")), "the later stages did not run on nothing");
            AssertNoKeyFragment(stdout, stderr, string.Join("\n", Column(folder, "SELECT error FROM requests")));

            (code, _, stderr) = await Spine.RunCliAsync("rollout", dir.File("r.yaml"), "--out", folder);
            Assert.Equal(1, code);
            AssertOneLine(stderr);
            Assert.Equal(8, Count(folder, "SELECT count(*) FROM requests WHERE status = 'failed' AND cause = 'unauthorized' AND status_code = 401"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(env, null);
        }
    }

    [Fact]
    public async Task SomeFailedIsSaidPlainlyAndRetriesByCauseReachMetricsAndReport()
    {
        using var dir = new TempDir();
        // Question b's requests fail for good (404); a's first two attempts fail (500: the server counts attempts per
        // question, and a has two samples) and each sample is answered on a retry.
        await using var server = await FaultServer.StartAsync(new FaultServerOptions
        {
            FixedStatus = 404, FixedStatusWhen = text => text.Contains("2 + 2", StringComparison.Ordinal),
            ScriptedFault = Fault.ServerError, ScriptedFaultAttempts = 2,
        });
        File.WriteAllText(dir.File("r.yaml"), EndpointRecipe(server.BaseUrl, null).Replace("length_unit: chars", "length_unit: chars, correctness: false"));
        File.WriteAllText(dir.File("q.jsonl"), TwoQuestions);
        var folder = dir.File("run");

        var (code, stdout, stderr) = await Spine.RunCliAsync("run", dir.File("r.yaml"), "--out", folder);

        Assert.True(code == 0, stderr);
        Assert.Contains("rollout: 4 samples, 0 already stored, 2 received now, 2 failed", stdout);
        Assert.Contains("  failed 2 x not_found (HTTP 404): no such model or route: check endpoint.model", stdout);
        Assert.Contains("  retried 2 x server_error (HTTP 500): the engine failed (HTTP 5xx)", stdout);
        Assert.Contains("warning: 2 of the 4 samples sent failed (causes above); the later stages use the 2 stored; run the same command again to retry the failed ones", stdout);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        var requests = metrics.RootElement.GetProperty("requests");
        Assert.Equal((6, 2, 2, 2, 2), (requests.GetProperty("attempts").GetInt32(), requests.GetProperty("answered").GetInt32(),
            requests.GetProperty("retried").GetInt32(), requests.GetProperty("failed").GetInt32(), requests.GetProperty("samples_missing").GetInt32()));
        var causes = requests.GetProperty("causes").EnumerateArray().Select(c => (c.GetProperty("outcome").GetString(), c.GetProperty("cause").GetString(),
            c.GetProperty("status_code").GetInt32(), c.GetProperty("count").GetInt32())).ToList();
        Assert.Equal([("failed", "not_found", 404, 2), ("retried", "server_error", 500, 2)], causes);
        Assert.Contains("check endpoint.model", requests.GetProperty("causes")[0].GetProperty("advice").GetString());

        var md = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("## Teacher requests", md);
        Assert.Contains("6 attempts: 2 answered, 2 retried, 2 failed, 0 abandoned by a killed run and resent. 2 samples are missing", md);
        Assert.Contains("| failed | not\\_found | 404 | 2 | no such model or route", md);
        var html = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.Contains("<h3 id=\"requests\">Teacher requests</h3>", html);
        Assert.Contains("<td>retried</td><td>server_error</td><td>500</td><td>2</td>", html);
    }

    [Fact]
    public async Task ASecondProcessOnTheFolderSaysWhoHoldsItAndAKilledHolderNeverBlocksTheRerun()
    {
        using var dir = new TempDir();
        var folder = dir.File("run");
        File.WriteAllText(dir.File("r.yaml"), "name: busy\nteachers:\n  - name: oracle\n    lab: oracle\nquestions:\n  sources:\n    - lab: { count: 4 }\n" +
                                               "sampling: { samples_per_question: 4 }\nrollouts: { max_concurrency: 2 }\n");
        // 16 samples two at a time, 1 s each: the holder is still writing while a second CLI starts on a busy machine.
        string[] rollout = ["rollout", dir.File("r.yaml"), "--out", folder, "--lab-latency-ms", "1000"];

        using (var first = Spine.StartCli(rollout))
        {
            await WaitForTrajectoriesAsync(folder, first, min: 2);

            var (code, _, stderr) = await Spine.RunCliAsync(rollout);
            Assert.Equal(2, code);
            AssertOneLine(stderr);
            Assert.StartsWith($"error: {folder} is in use by another process (pid {first.Id} on {Environment.MachineName}, started ", stderr);
            Assert.Contains($": Ded.Cli rollout {dir.File("r.yaml")} --out {folder} --lab-latency-ms 1000): one run folder has one writer at a time", stderr);

            var question = Column(folder, "SELECT id FROM questions LIMIT 1").Single();
            (code, var shown, stderr) = await Spine.RunCliAsync("show", question, "--out", folder); // a reader while the run writes
            Assert.True(code == 0, stderr);
            Assert.Contains(question, shown);

            first.Kill(entireProcessTree: true); // SIGKILL: the kernel drops its lock
            await first.WaitForExitAsync();
        }
        Assert.Equal(0, Count(folder, "SELECT count(*) FROM requests WHERE status = 'abandoned'")); // the refused process touched nothing

        var (again, stdout, err) = await Spine.RunCliAsync(rollout[..^1].Append("0").ToArray());
        Assert.True(again == 0, err);
        Assert.Contains("rollout: 16 samples, ", stdout);
        Assert.Equal(16, Count(folder, "SELECT count(DISTINCT request_key) FROM requests WHERE status = 'done'"));
        Assert.Equal(16, Count(folder, "SELECT count(*) FROM requests WHERE status = 'done'")); // nothing paid twice
        Assert.False(File.Exists(Path.Combine(folder, RunFolderLock.OwnerFile)));
    }

    [SkippableFact]
    public async Task AFullOrReadOnlyDiskEndsWithOneLineNoTempFileAndTheRerunCompletes()
    {
        Skip.IfNot(Environment.UserName == "root", "mounting a small tmpfs needs root");
        using var dir = new TempDir();
        var mount = Directory.CreateDirectory(dir.File("disk")).FullName;
        Skip.IfNot(Sh($"mount -t tmpfs -o size=8m tmpfs {mount}") == 0, "mount -t tmpfs failed (no CAP_SYS_ADMIN here)");
        try
        {
            // Long questions make a large export: it is what meets the full disk.
            File.WriteAllLines(dir.File("q.jsonl"), Enumerable.Range(0, 3).Select(i =>
                JsonSerializer.Serialize(new { id = $"q{i}", question = $"Question {i}: " + new string('x', 120_000), answer = "1" })));
            File.WriteAllText(dir.File("r.yaml"), "name: full\nteachers:\n  - name: oracle\n    lab: oracle\nquestions:\n  sources:\n    - jsonl: { path: q.jsonl }\n" +
                                                   "verifier: lab\nsampling: { samples_per_question: 2 }\nfilters: { correctness: false, length_unit: chars }\nexport: { formats: [llamafactory] }\n");
            var folder = Path.Combine(mount, "run");
            var (code, _, stderr) = await Spine.RunCliAsync("run", dir.File("r.yaml"), "--out", folder);
            Assert.True(code == 0, stderr);
            var export = Path.Combine(folder, "exports", "ded_lab.sharegpt.json");
            var reference = File.ReadAllBytes(export);

            using (var filler = Fill(mount, leave: 128 * 1024)) // room to open the run, not to write its export
            {
                (code, _, stderr) = await Spine.RunCliAsync("export", "--out", folder);
                Assert.Equal(2, code);
                AssertOneLine(stderr);
                Assert.StartsWith($"error: no space left on the disk holding {export} (No space left on device", stderr);
                Assert.EndsWith("free some space and run the same command again afterwards: what is stored is kept", stderr.Trim());
                Assert.Empty(Directory.GetFiles(folder, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories));

                FillUp(filler); // nearly nothing left: room to open the run folder, then SQLite meets the full disk
                filler.SetLength(filler.Length - 40 * 1024);
                (code, _, stderr) = await Spine.RunCliAsync("filter", "--out", folder);
                Assert.Equal(2, code);
                AssertOneLine(stderr);
                Assert.StartsWith("error: no space left on the disk holding ", stderr);
                Assert.Empty(Directory.GetFiles(folder, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories));
            }
            File.Delete(Path.Combine(mount, "filler"));

            Assert.Equal(0, Sh($"mount -o remount,ro {mount}"));
            (code, _, stderr) = await Spine.RunCliAsync("export", "--out", folder);
            Assert.Equal(2, code);
            AssertOneLine(stderr);
            Assert.StartsWith("error: cannot write ", stderr);
            Assert.Equal(0, Sh($"mount -o remount,rw {mount}"));

            File.Delete(export);
            (code, var stdout, stderr) = await Spine.RunCliAsync("run", dir.File("r.yaml"), "--out", folder);
            Assert.True(code == 0, stderr);
            Assert.Contains("rollout: 6 samples, 6 already stored, 0 received now, 0 failed", stdout);
            Assert.Equal(reference, File.ReadAllBytes(export)); // nothing lost: the same export, byte for byte
            Assert.Empty(Directory.GetFiles(folder, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories));
        }
        finally
        {
            Sh($"umount -l {mount}");
        }
    }

    /// <summary>Fills the disk at <paramref name="folder"/> to within <paramref name="leave"/> bytes (tmpfs frees pages at once).</summary>
    private static FileStream Fill(string folder, long leave)
    {
        // Unbuffered, so a write the disk refused is not tried again when the stream is flushed or closed.
        var filler = new FileStream(Path.Combine(folder, "filler"), FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        FillUp(filler);
        filler.SetLength(Math.Max(0, filler.Length - leave));
        return filler;
    }

    private static void FillUp(FileStream filler)
    {
        var chunk = new byte[64 * 1024];
        filler.Seek(0, SeekOrigin.End);
        try
        {
            while (true) filler.Write(chunk);
        }
        catch (IOException)
        {
            // full
        }
    }

    private static int Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command + " 2>/dev/null"]) { UseShellExecute = false })!;
        p.WaitForExit();
        return p.ExitCode;
    }

    private static List<string> Column(string folder, string sql)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "run.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var values = new List<string>();
        while (r.Read()) values.Add(r.IsDBNull(0) ? "" : r.GetString(0));
        return values;
    }
}
