using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Ded.Cli.Serving;

namespace Ded.Cli.Bench;

/// <summary>
/// `ded bench serve`: a real `ded serve --lab-teacher oracle` child under the load issue 15 measured (16 parallel
/// 27 MiB requests took it to 2.7 GB) and at its limits: 16 and 100 parallel bodies just under the body cap, as one long
/// message and as the most messages the JSON value cap lets through. Each phase resets the child's peak resident set
/// (VmHWM) and reports it above the idle RSS, beside the bound <see cref="ServeLimits"/> documents.
/// </summary>
internal static class ServeBench
{
    private const int AttackBytes = 27 << 20;

    public static BenchDefinition Definition { get; } = new("serve",
        "ded serve's peak RSS under 16 x 27 MiB requests and 16/100 requests at the body cap, against its documented bound.", RunAsync);

    private sealed record Phase(string Name, int Parallel, byte[] Body);

    private static async Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        var limits = new ServeLimits();
        // 200 ms per answer keeps requests running long enough to fill the running slots and the queue.
        using var server = ChildServer.Start(["--lab-teacher", "oracle", "--latency-ms", "200"]);
        await Send(server.Port, Json(Chat("What is 1 + 1?")));
        var idle = ProcessMemory.Read(server.Pid).Rss;
        Phase[] phases =
        [
            new("16 x 27 MiB (issue 15)", 16, Json(Chat("What is 1 + 1? " + new string('x', AttackBytes)))),
            new("16 x cap, one long message", 16, AtCap(limits, LongMessage)),
            new("16 x cap, many messages", 16, AtCap(limits, ManyMessages)),
            new("100 x cap, one long message", 100, AtCap(limits, LongMessage)),
            new("100 x cap, many messages", 100, AtCap(limits, ManyMessages)),
        ];
        output.WriteLine($"{"phase",-30} {"answers",-26} {"seconds",8} {"cpu s",6} {"peak above idle MiB",20}");
        var peaks = new Dictionary<string, object>();
        foreach (var phase in phases)
        {
            bool isReset = ProcessMemory.TryResetPeak(server.Pid);
            var cpu = ProcessMemory.CpuSeconds(server.Pid);
            var clock = Stopwatch.StartNew();
            var statuses = await Task.WhenAll(Enumerable.Range(0, phase.Parallel).Select(_ => Send(server.Port, phase.Body)));
            var above = Mib(ProcessMemory.Read(server.Pid).Peak - idle);
            var answers = string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Count()}x{g.Key}"));
            output.WriteLine($"{phase.Name,-30} {answers,-26} {clock.Elapsed.TotalSeconds,8:F1} {ProcessMemory.CpuSeconds(server.Pid) - cpu,6:F1} {above,20:F0}{(isReset ? "" : " (peak since start)")}");
            peaks[Key(phase.Name)] = Math.Round(above, 1);
        }
        var bound = Mib(limits.MemoryBoundBytes);
        var worst = peaks.Values.Cast<double>().Max();
        output.WriteLine($"idle RSS {Mib(idle):F0} MiB; documented bound: idle + {bound:F0} MiB (body cap {limits.MaxRequestBytes / 1024} KiB, " +
                         $"{limits.MaxConcurrent} running, {limits.MaxQueued} queued); worst phase uses {worst / bound:P0} of it");
        return new Dictionary<string, object>(peaks)
        {
            ["idle_rss_mib"] = Math.Round(Mib(idle), 1),
            ["bound_above_idle_mib"] = Math.Round(bound, 1),
            ["worst_over_bound"] = Math.Round(worst / bound, 3),
        };
    }

    private static async Task<int> Send(int port, byte[] body) =>
        (await RawHttp.SendAsync(port, Encoding.UTF8.GetBytes(RawHttp.Headers(port, body.Length)), RawHttp.Pieces(body))).Status;

    private static string Key(string phase) =>
        "peak_above_idle_mib_" + string.Concat(phase.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_')).Trim('_').Replace("__", "_");

    private static double Mib(long bytes) => bytes / 1048576.0;

    private static object Chat(string content) => new { messages = new[] { new { role = "user", content } } };

    private static byte[] Json(object request) => JsonSerializer.SerializeToUtf8Bytes(request);

    private static object LongMessage(int bytes) => Chat("What is 1 + 1? " + new string('x', bytes - 80));

    /// <summary>Messages of 100 characters, as many as fit the body and the JSON value cap (about 6 values each).</summary>
    private static object ManyMessages(int bytes) => new
    {
        messages = Enumerable.Range(0, Math.Min(bytes / 140, ServeLimits.MaxJsonValues / 7))
            .Select(_ => new { role = "user", content = new string('x', 100) }).ToArray(),
    };

    private static byte[] AtCap(ServeLimits limits, Func<int, object> request) => Json(request(limits.MaxRequestBytes - 64));

    /// <summary>`ded serve` as a child of this process: the same executable (the apphost, or dotnet and the CLI's dll).</summary>
    private sealed class ChildServer : IDisposable
    {
        private readonly Process _process;

        private ChildServer(Process process, int port) => (_process, Port) = (process, port);

        public int Port { get; }
        public int Pid => _process.Id;

        public static ChildServer Start(IEnumerable<string> args)
        {
            var self = Environment.ProcessPath!;
            var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            foreach (var a in (string[])["serve", .. args]) info.ArgumentList.Add(a);
            var process = Process.Start(info)!;
            var first = process.StandardOutput.ReadLine() ?? "";
            if (!first.StartsWith("listening on ", StringComparison.Ordinal))
            {
                process.Kill();
                throw new InvalidOperationException($"ded serve did not start: '{first}'");
            }
            _ = process.StandardOutput.ReadToEndAsync(); // keep its stdout drained
            return new ChildServer(process, new Uri(first["listening on ".Length..]).Port);
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
