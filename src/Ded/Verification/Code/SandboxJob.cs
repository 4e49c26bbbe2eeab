using System.Buffers;
using System.Text.Json;

namespace Ded.Verification.Code;

/// <summary>The wire format between <see cref="SandboxZygote"/> and sandbox_init.py: per job a frame on stdin (16 hex
/// digits: the sizes of the JSON job and of the secret, then both; the secret is HumanEval's test, kept out of every
/// process the program can read), and one JSON line on stdout (`{"tests": [...]}` or `{"error": "..."}`).</summary>
internal static class SandboxJob
{
    public static byte[] Serialize(SandboxRequest request, uint uid)
    {
        var limits = request.Limits;
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("mode", request.Mode switch
            {
                SandboxMode.Stdio => "stdio", SandboxMode.Call => "call", _ => "humaneval",
            });
            w.WriteString("code", request.Code);
            w.WriteString("fn_name", request.FunctionName);
            w.WriteString("check_context", request.CheckContext);
            w.WriteStartArray("tests");
            foreach (var input in request.Inputs)
                w.WriteStringValue(input);
            w.WriteEndArray();
            w.WriteNumber("uid", uid);
            w.WriteNumber("gid", uid);
            w.WriteNumber("workdir_bytes", limits.WorkDirBytes);
            w.WriteNumber("memory_bytes", limits.MemoryBytes);
            w.WriteNumber("max_processes", limits.MaxProcesses);
            w.WriteNumber("max_open_files", limits.MaxOpenFiles);
            w.WriteNumber("max_output_bytes", limits.MaxOutputBytes);
            w.WriteNumber("run_output_bytes", limits.MaxRunOutputBytes);
            w.WriteNumber("stderr_tail_bytes", limits.StderrTailBytes);
            // RLIMIT_CPU counts whole seconds; the exact limit is checked against the measured rusage afterwards.
            w.WriteNumber("cpu_seconds", (long)System.Math.Ceiling(limits.CpuTimePerTest.TotalSeconds));
            w.WriteNumber("wall_seconds", limits.WallTimePerTest.TotalSeconds);
            w.WriteBoolean("stop_at_first_failure", limits.StopAtFirstFailure);
            w.WriteEndObject();
        }
        var secret = System.Text.Encoding.UTF8.GetBytes(request.CheckCode);
        var header = System.Text.Encoding.ASCII.GetBytes($"{buffer.WrittenCount:x8}{secret.Length:x8}");
        return [.. header, .. buffer.WrittenSpan, .. secret];
    }

    public static SandboxResult ParseResult(byte[] line)
    {
        using var doc = JsonDocument.Parse(line);
        if (doc.RootElement.TryGetProperty("error", out var error))
            return new SandboxResult { Tests = [], Error = error.GetString() ?? "sandbox error" };
        var runs = new List<SandboxTestRun>();
        foreach (var t in doc.RootElement.GetProperty("tests").EnumerateArray())
            runs.Add(new SandboxTestRun
            {
                ExitCode = NullableInt(t.GetProperty("exit")),
                Signal = NullableInt(t.GetProperty("signal")),
                CpuTime = TimeSpan.FromMilliseconds(t.GetProperty("cpu_ms").GetInt64()),
                IsWallTimeout = t.GetProperty("wall_timeout").GetBoolean(),
                IsCpuTimeout = t.GetProperty("cpu_timeout").GetBoolean(),
                IsMemoryLimit = t.GetProperty("memory_limit").GetBoolean(),
                MemoryPeakBytes = t.GetProperty("memory_peak") is { ValueKind: JsonValueKind.Number } peak ? peak.GetInt64() : null,
                StdoutBytes = t.GetProperty("stdout_bytes").GetInt64(),
                IsOutputTruncated = t.GetProperty("output_truncated").GetBoolean(),
                Stdout = t.GetProperty("stdout").GetString() ?? "",
                StderrTail = t.GetProperty("stderr_tail").GetString() ?? "",
                Report = t.GetProperty("result").GetString() ?? "",
            });
        return new SandboxResult { Tests = runs };
    }

    private static int? NullableInt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();
}
