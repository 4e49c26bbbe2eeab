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

/// <summary>One HTTP/1.1 exchange over a raw socket: the test controls every byte (bad encodings, lying or missing
/// headers, bodies that never end or trickle in), and reads the answer until the server closes or it is complete.</summary>
internal static class RawHttp
{
    /// <summary>Headers Ded's own clients send, with the body's length.</summary>
    public static string Headers(int port, int contentLength, string path = "/v1/chat/completions", string extra = "") =>
        $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n{extra}\r\n";

    /// <summary>Sends <paramref name="head"/>, then each body piece (waiting <paramref name="pause"/> between them), and
    /// returns the status and body of the answer. A server that answers early and closes cuts the sending short.</summary>
    public static async Task<(int Status, string Headers, string Body)> SendAsync(int port, byte[] head, IEnumerable<byte[]> pieces, TimeSpan pause = default)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
        using var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: false);
        var reading = ReadAnswerAsync(stream);
        try
        {
            await stream.WriteAsync(head);
            foreach (var piece in pieces)
            {
                if (reading.IsCompleted) break;
                await stream.WriteAsync(piece);
                if (pause > TimeSpan.Zero) await Task.Delay(pause);
            }
        }
        catch (IOException)
        {
            // the server answered and closed before the body was all sent: what an early 413 does
        }
        return Parse(await reading.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    public static Task<(int Status, string Headers, string Body)> SendAsync(int port, string head, string body) =>
        SendAsync(port, Encoding.UTF8.GetBytes(head), [Encoding.UTF8.GetBytes(body)]);

    private static async Task<byte[]> ReadAnswerAsync(Stream stream)
    {
        var answer = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer) is var read and > 0)
            {
                answer.Write(buffer, 0, read);
                if (IsComplete(answer.ToArray())) break;
            }
        }
        catch (IOException)
        {
            // reset after the answer: what was read is the answer
        }
        return answer.ToArray();
    }

    /// <summary>A whole answer: headers and a Content-Length body, or a chunked body up to its last chunk.</summary>
    private static bool IsComplete(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var headers = text[..end];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) return text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        var length = System.Text.RegularExpressions.Regex.Match(headers, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        return !length.Success || bytes.Length - end - 4 >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (int Status, string Headers, string Body) Parse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return (0, text, "");
        var headers = text[..end];
        var body = text[(end + 4)..];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) body = Dechunk(body);
        return (int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers, body);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        for (int at = 0; ;)
        {
            int line = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = Convert.ToInt32(chunked[at..line], 16);
            if (size == 0) return body.ToString();
            body.Append(chunked, line + 2, size);
            at = line + 2 + size + 2;
        }
    }
}
