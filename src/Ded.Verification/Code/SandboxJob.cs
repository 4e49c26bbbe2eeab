using System.Buffers;
using System.Text.Json;

namespace Ded.Verification.Code;

/// <summary>The wire format between <see cref="LinuxSandbox"/> and sandbox_init.py: one JSON job on stdin, one
/// JSON result line on stdout.</summary>
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
            w.WriteNumber("stderr_tail_bytes", limits.StderrTailBytes);
            // RLIMIT_CPU counts whole seconds; the exact limit is checked against the measured rusage afterwards.
            w.WriteNumber("cpu_seconds", (long)System.Math.Ceiling(limits.CpuTimePerTest.TotalSeconds));
            w.WriteNumber("wall_seconds", limits.WallTimePerTest.TotalSeconds);
            w.WriteBoolean("stop_at_first_failure", limits.StopAtFirstFailure);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static IReadOnlyList<SandboxTestRun> ParseResult(byte[] output)
    {
        using var doc = JsonDocument.Parse(output);
        var runs = new List<SandboxTestRun>();
        foreach (var t in doc.RootElement.GetProperty("tests").EnumerateArray())
            runs.Add(new SandboxTestRun
            {
                ExitCode = NullableInt(t.GetProperty("exit")),
                Signal = NullableInt(t.GetProperty("signal")),
                CpuTime = TimeSpan.FromMilliseconds(t.GetProperty("cpu_ms").GetInt64()),
                IsWallTimeout = t.GetProperty("wall_timeout").GetBoolean(),
                IsCpuTimeout = t.GetProperty("cpu_timeout").GetBoolean(),
                StdoutBytes = t.GetProperty("stdout_bytes").GetInt64(),
                Stdout = t.GetProperty("stdout").GetString() ?? "",
                StderrTail = t.GetProperty("stderr_tail").GetString() ?? "",
                Report = t.GetProperty("result").GetString() ?? "",
            });
        return runs;
    }

    private static int? NullableInt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();
}
