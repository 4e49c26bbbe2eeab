using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ded.Verification.Code;

/// <summary>The wire format between <see cref="SandboxZygote"/> and sandbox_init.py. Per job, a frame on stdin: 24 hex
/// digits (the sizes of the three parts), the limits (JSON: what the worker itself reads; no program data), the job
/// (JSON: program and inputs, read only by the test processes) and the secret (HumanEval's test, read only by the
/// judge). Per test, one JSON line on stdout (`{"test": {...}}`) followed by the output kept (stdout head, stderr
/// tail, report head: `blobs` gives their sizes); then `{"done": true}`, or `{"error": "..."}` at any point.</summary>
internal static class SandboxJob
{
    public static byte[] Serialize(SandboxRequest request, uint uid)
    {
        var limits = Json(w =>
        {
            var l = request.Limits;
            w.WriteString("mode", request.Mode switch { SandboxMode.Stdio => "stdio", SandboxMode.Call => "call", _ => "humaneval" });
            w.WriteNumber("tests", request.Inputs.Count);
            w.WriteNumber("uid", uid);
            w.WriteNumber("gid", uid);
            w.WriteNumber("workdir_bytes", l.WorkDirBytes);
            w.WriteNumber("memory_bytes", l.MemoryBytes);
            w.WriteNumber("max_processes", l.MaxProcesses);
            w.WriteNumber("max_open_files", l.MaxOpenFiles);
            w.WriteNumber("max_output_bytes", l.MaxOutputBytes);
            w.WriteNumber("run_output_bytes", l.MaxRunOutputBytes);
            w.WriteNumber("stderr_tail_bytes", l.StderrTailBytes);
            // RLIMIT_CPU counts whole seconds; the exact limit is checked against the measured CPU afterwards.
            w.WriteNumber("cpu_seconds", (long)System.Math.Ceiling(l.CpuTimePerTest.TotalSeconds));
            w.WriteNumber("wall_seconds", l.WallTimePerTest.TotalSeconds);
            w.WriteBoolean("stop_at_first_failure", l.StopAtFirstFailure);
        });
        var job = Json(w =>
        {
            w.WriteString("code", request.Code);
            w.WriteString("fn_name", request.FunctionName);
            w.WriteString("check_context", request.CheckContext);
            w.WriteStartArray("inputs");
            foreach (var input in request.Inputs)
                w.WriteStringValue(input);
            w.WriteEndArray();
        });
        var secret = Encoding.UTF8.GetBytes(request.CheckCode);
        var header = Encoding.ASCII.GetBytes($"{limits.Length:x8}{job.Length:x8}{secret.Length:x8}");
        return [.. header, .. limits, .. job, .. secret];
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One line of the worker's answer: a test's record (with the sizes of the output that follows), the
    /// end of the run, or an error.</summary>
    public abstract record Answer;

    public sealed record TestAnswer(SandboxTestRun Run, bool IsSetupFailure, long[] BlobSizes) : Answer;

    public sealed record DoneAnswer : Answer;

    public sealed record ErrorAnswer(string Message) : Answer;

    public static Answer ParseAnswer(byte[] line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var error))
            return new ErrorAnswer(error.GetString() ?? "sandbox error");
        if (root.TryGetProperty("done", out _))
            return new DoneAnswer();
        var t = root.GetProperty("test");
        var run = new SandboxTestRun
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
        };
        var sizes = t.GetProperty("blobs").EnumerateArray().Select(b => b.GetInt64()).ToArray();
        return new TestAnswer(run, t.GetProperty("setup_failed").GetBoolean(), sizes);
    }

    /// <summary>The test's record with its output (stdout, stderr tail, report), decoded as the program's text.</summary>
    public static SandboxTestRun WithOutput(SandboxTestRun run, IReadOnlyList<byte[]> blobs) => run with
    {
        Stdout = Encoding.UTF8.GetString(blobs[0]),
        StderrTail = Encoding.UTF8.GetString(blobs[1]),
        Report = Encoding.UTF8.GetString(blobs[2]),
    };

    private static int? NullableInt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();
}
