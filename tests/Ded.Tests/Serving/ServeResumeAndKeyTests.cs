using System.Text;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>Acceptance 3 and 4 (issue 6) against a real served teacher: a killed run's rerun sends exactly the missing
/// requests (counted at the server), and an API key never reaches disk or output.</summary>
public class ServeResumeAndKeyTests
{
    [Fact]
    public async Task KilledMidRolloutTheRerunSendsOnlyTheMissingRequestsCountedAtTheServer()
    {
        using var dir = new Spine.TempDir();
        const int questions = 16, samples = 4, total = questions * samples;
        // 250 ms per answer with 8 in flight: the rollout takes ~2 s, long enough to be killed in the middle.
        await using var server = await ServedProcess.StartAsync(null, "--lab-teacher", "careful", "--latency-ms", "250");
        File.WriteAllText(dir.File("r.yaml"), ServeRecipes.Recipe(questions, samples, [ServeRecipes.Served("careful", server.BaseUrl)]));
        var folder = dir.File("run");
        string[] command = ["run", dir.File("r.yaml"), "--out", folder];

        using (var first = Cli.Start(null, command))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (RunDb.TryCount(folder, "SELECT count(*) FROM trajectories") < 16 && !first.HasExited && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            first.Kill(entireProcessTree: true); // SIGKILL: no cleanup
            await first.WaitForExitAsync();
        }
        await Task.Delay(300); // requests whose bytes were on the wire at the kill reach the server's counter
        var storedAtKill = RunDb.Rows(folder, "SELECT seed FROM trajectories").ToHashSet();
        int inFlightAtKill = RunDb.Count(folder, "SELECT count(*) FROM requests WHERE status = 'sent'");
        var inFlightIds = RunDb.Rows(folder, "SELECT trajectory_id FROM requests WHERE status = 'sent'").ToHashSet();
        int sentByFirst = await server.RequestsAsync();
        Assert.InRange(storedAtKill.Count, 16, total - 1);
        // Everything the first run sent was either stored or still in flight when it died.
        Assert.InRange(sentByFirst - storedAtKill.Count, 0, inFlightAtKill);

        var (code, stdout, stderr) = await Cli.RunAsync(null, command);
        Assert.True(code == 0, stderr);
        Assert.Contains($"rollout: {total} samples, {storedAtKill.Count} already stored, {total - storedAtKill.Count} received now, 0 failed", stdout);

        // Counted at the server: every sample asked once, plus only the requests the kill caught after they had left.
        var stats = await server.StatsAsync();
        int requests = stats["requests"]!["/v1/chat/completions"]!.GetValue<int>();
        Assert.Equal(total, stats["distinct"]!["/v1/chat/completions"]!.GetValue<int>());
        Assert.Equal(total + (sentByFirst - storedAtKill.Count), requests);
        var repeated = stats["repeated_seeds"]!.AsArray().Select(s => s!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(requests - total, repeated.Count);
        // No stored sample was re-requested: each repeat is a sample that was in flight at the kill.
        Assert.DoesNotContain(repeated, storedAtKill.Contains);
        var seedOfInFlight = RunDb.Rows(folder, "SELECT id, seed FROM trajectories").Select(r => r.Split(" | "))
            .Where(r => inFlightIds.Contains(r[0])).Select(r => r[1]).ToHashSet();
        Assert.Subset(seedOfInFlight, repeated.ToHashSet());
        Assert.Equal(total, RunDb.Count(folder, "SELECT count(*) FROM trajectories"));
        Assert.Equal(inFlightAtKill, RunDb.Count(folder, "SELECT count(*) FROM requests WHERE status = 'abandoned'"));
    }

    [Fact]
    public async Task AnApiKeyUsedForARunAppearsNowhereOnDiskOrInOutput()
    {
        using var dir = new Spine.TempDir();
        const string variable = "DED_SERVE_TEST_KEY";
        string sentinel = "sk-ded-sentinel-" + Guid.NewGuid().ToString("N");
        var environment = new Dictionary<string, string> { [variable] = sentinel };
        // The server demands the key as a Bearer token, so the run only succeeds if the key was really sent.
        await using var server = await ServedProcess.StartAsync(environment, "--lab-teacher", "careful", "--api-key-env", variable);
        const int questions = 6, samples = 2;
        File.WriteAllText(dir.File("r.yaml"), ServeRecipes.Recipe(questions, samples,
            [ServeRecipes.Served("careful", server.BaseUrl, $", api_key_env: {variable}")]));
        var folder = dir.File("run");

        var (code, stdout, stderr) = await Cli.RunAsync(environment, "run", dir.File("r.yaml"), "--out", folder);
        Assert.True(code == 0, stderr);
        var stats = await server.StatsAsync();
        Assert.Equal((questions * samples, 0), (stats["requests"]!["/v1/chat/completions"]!.GetValue<int>(), stats["unauthorized"]!.GetValue<int>()));

        // A request without the key is refused: the key check is live.
        var (status, _) = await ServedProcess.PostAsync(server.BaseUrl + "/chat/completions", """{"messages":[{"role":"user","content":"What is 1 + 1?"}]}""");
        Assert.Equal(401, status);

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("run.db", StringComparison.Ordinal));
        // The scan can fail: the variable's name is in the recipe snapshot inside run.db.
        Assert.Contains(files, f => Contains(File.ReadAllBytes(f), variable));
        foreach (var file in files)
            Assert.False(Contains(File.ReadAllBytes(file), sentinel), $"the key is in {file}");
        foreach (var (name, text) in new[] { ("run stdout", stdout), ("run stderr", stderr), ("server stdout", server.Output), ("server stderr", server.Errors) })
            Assert.False(text.Contains(sentinel, StringComparison.Ordinal), $"the key is in the {name}");
    }

    /// <summary>The value as UTF-8 or UTF-16 bytes (SQLite may store either).</summary>
    private static bool Contains(byte[] bytes, string value) =>
        bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)) >= 0 || bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(value)) >= 0;
}
