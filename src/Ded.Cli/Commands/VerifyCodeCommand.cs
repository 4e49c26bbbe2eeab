using System.CommandLine;
using Ded.Verification.Code;

namespace Ded.Cli.Commands;

/// <summary>`ded verify code --in FILE --out FILE`: runs each JSONL task's program in the sandbox, verdicts in order.</summary>
internal static class VerifyCodeCommand
{
    internal static Command Create()
    {
        var input = new Option<FileInfo>("--in") { Required = true, Description = "JSONL tasks: {id, code, verification_info | input_output} or {id, prompt, completion, test, entry_point}" };
        var output = new Option<FileInfo>("--out") { Required = true, Description = "JSONL verdicts: {id, status, passed, tests_passed, tests_total, stderr_tail}" };
        var command = new Command("code", "Run generated Python against its tests in a sandbox (no network, own root, limits).");
        command.Options.Add(input);
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            using var sandbox = new LinuxSandbox();
            await sandbox.ProbeAsync(ct);
            Console.Error.WriteLine($"verify code: sandbox per-run limits: {sandbox.Containment}");
            var (count, passed) = await RunAsync(parse.GetValue(input)!, parse.GetValue(output)!, new CodeVerifier(sandbox),
                sandbox.Concurrency, ct);
            Console.Error.WriteLine($"verify code: {passed}/{count} passed");
            return 0;
        });
        return command;
    }

    /// <summary>Verifies every line, keeping a window of tasks in flight so the pool stays busy, writing in input order.</summary>
    internal static async Task<(int Count, int Passed)> RunAsync(FileInfo input, FileInfo output, CodeVerifier verifier,
        int workers, CancellationToken ct)
    {
        if (!input.Exists)
            throw new FileNotFoundException($"{input.FullName}: no such file (pass --in FILE with one JSON task per line)");
        var options = new CodeVerifyOptions();
        var inFlight = new Queue<Task<CodeVerdict>>();
        var (count, passed, lineNumber) = (0, 0, 0);
        await using var writer = new StreamWriter(output.FullName);
        foreach (var line in File.ReadLines(input.FullName))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var task = CodeTaskJson.Parse(line, $"{input.Name}:{lineNumber}");
            inFlight.Enqueue(verifier.VerifyAsync(task, options, ct));
            if (inFlight.Count >= 4 * workers) // enough queued to keep every worker busy, few held in memory
                passed += await WriteNextAsync(inFlight, writer, ct);
            count++;
        }
        while (inFlight.Count > 0)
            passed += await WriteNextAsync(inFlight, writer, ct);
        return (count, passed);
    }

    private static async Task<int> WriteNextAsync(Queue<Task<CodeVerdict>> inFlight, StreamWriter writer, CancellationToken ct)
    {
        var verdict = await inFlight.Dequeue();
        await writer.WriteLineAsync(CodeTaskJson.Format(verdict).AsMemory(), ct);
        return verdict.IsPassed ? 1 : 0;
    }
}
