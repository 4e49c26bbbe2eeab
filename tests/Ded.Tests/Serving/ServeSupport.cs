using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>A `ded serve` process on loopback, started on a free port; killed at dispose.</summary>
internal sealed class ServedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();
    private Task[] _pumps = [];
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private ServedProcess(Process process, string baseUrl) => (_process, BaseUrl) = (process, baseUrl);

    /// <summary>Ends in /v1.</summary>
    public string BaseUrl { get; }
    public int Port => new Uri(BaseUrl).Port;

    /// <summary>The `ded serve` process itself (`dotnet Ded.Cli.dll` runs the CLI in the host process).</summary>
    public int ProcessId => _process.Id;
    public string Output { get { lock (_out) return _out.ToString(); } }
    public string Errors { get { lock (_err) return _err.ToString(); } }

    public static async Task<ServedProcess> StartAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var process = Cli.Start(environment, ["serve", .. args]);
        // The first stdout line is the contract: "listening on http://127.0.0.1:PORT/v1".
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var first = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (first is null || !first.StartsWith("listening on http://127.0.0.1:", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"ded serve did not start: '{first}' {await process.StandardError.ReadToEndAsync()}");
        }
        var served = new ServedProcess(process, first["listening on ".Length..]);
        served._out.AppendLine(first);
        served._pumps = [Pump(process.StandardOutput, served._out), Pump(process.StandardError, served._err)];
        return served;
    }

    /// <summary>Keeps reading a stream (a full pipe would block the server) into a buffer the test can scan.</summary>
    private static async Task Pump(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (into) into.AppendLine(line);
    }

    /// <summary>Sends SIGTERM (what a service manager sends) and returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        Assert.Equal(0, kill(_process.Id, 15));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>GET /stats.</summary>
    public async Task<JsonNode> StatsAsync() => JsonNode.Parse(await Http.GetStringAsync(BaseUrl[..^"/v1".Length] + "/stats"))!;

    public async Task<int> RequestsAsync(string path = "/v1/chat/completions") =>
        (await StatsAsync())["requests"]?[path]?.GetValue<int>() ?? 0;

    public static async Task<(int Status, JsonNode Body)> PostAsync(string url, string json)
    {
        using var response = await Http.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await Task.WhenAll(_pumps);
        _process.Dispose();
    }
}

/// <summary>The built CLI (Ded.Cli.dll beside the tests) as a process, with extra environment variables.</summary>
internal static class Cli
{
    public static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Ded.Cli.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        return Process.Start(info)!;
    }

    public static async Task<(int Code, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Read-only queries on a run folder's run.db.</summary>
internal static class RunDb
{
    public static List<string> Rows(string folder, string sql)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "run.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    public static int Count(string folder, string sql) => int.Parse(Rows(folder, sql).Single(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The count, or 0 while the run has not created its tables (or holds a write lock for a moment).</summary>
    public static int TryCount(string folder, string sql)
    {
        try
        {
            return File.Exists(Path.Combine(folder, "run.db")) ? Count(folder, sql) : 0;
        }
        catch (SqliteException)
        {
            return 0;
        }
    }
}

/// <summary>Small lab recipes whose teachers are lab teachers or `ded serve` endpoints.</summary>
internal static class ServeRecipes
{
    /// <summary>A recipe over a seeded lab pool; each teacher line is "name: lab-or-endpoint-block" YAML.</summary>
    public static string Recipe(int questions, int samples, IEnumerable<string> teachers, int concurrency = 8) => $"""
        name: serve-test
        questions:
          sources:
            - lab: {"{"} families: [arithmetic, linear, remainder, trace], count: {questions}, seed: 3 {"}"}
        teachers:
        {string.Join("\n", teachers.Select(t => "  - " + t))}
        sampling: {"{"} samples_per_question: {samples}, temperature: 0.7, top_p: 0.95, max_tokens: 4096, seed: 5 {"}"}
        rollouts: {"{"} max_concurrency: {concurrency} {"}"}
        filters: {"{"} max_length: 4000, length_unit: chars {"}"}
        diversity: {"{"} p: 2 {"}"}
        export: {"{"} formats: [llamafactory, trl] {"}"}

        """;

    public static string Lab(string name) => $"{{ name: {name}, lab: {name} }}";

    /// <summary>An endpoint teacher on a served lab teacher; the model id is the lab's, so request keys match the lab's.</summary>
    public static string Served(string name, string baseUrl, string extra = "") =>
        $"{{ name: {name}, endpoint: {{ base_url: '{baseUrl}', model: lab/{name}, max_in_flight: 8, retry: {{ max_attempts: 1 }}{extra} }} }}";
}
