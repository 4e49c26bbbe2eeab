using System.Text.Json;

namespace Ded.Student.Training;

/// <summary>`ded train --engine ded`: the lab student fine-tuned on an exported TRL `messages` JSONL.</summary>
public static class MessagesSft
{
    /// <summary>The TRL file in an export folder (<c>*.trl.jsonl</c>), or the file itself.</summary>
    /// <exception cref="FileNotFoundException">No such file, or no TRL export in the folder.</exception>
    public static string FindTrlFile(string data) => Data.Engines.ExportFolder.TrlFile(data);

    /// <summary>Each line's last user turn is the prompt and the assistant turn after it the response (system turns are
    /// not part of the lab student's prompt format).</summary>
    /// <exception cref="InvalidDataException"><c>file:line: what</c> for a line that is not a user/assistant pair.</exception>
    public static IReadOnlyList<(string Prompt, string Response)> ReadTrl(string path)
    {
        var pairs = new List<(string, string)>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            pairs.Add(ReadLine(line, $"{Path.GetFileName(path)}:{lineNumber}"));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no examples");
        return pairs;
    }

    private static (string, string) ReadLine(string line, string where)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (!doc.RootElement.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{where}: messages is missing or not a list");
            var turns = messages.EnumerateArray().Select(m => (Role: m.GetProperty("role").GetString(), Content: m.GetProperty("content").GetString() ?? "")).ToList();
            int assistant = turns.FindLastIndex(t => t.Role == "assistant");
            if (assistant < 1 || turns[assistant - 1].Role != "user")
                throw new InvalidDataException($"{where}: messages must end with a user turn followed by an assistant turn");
            return (turns[assistant - 1].Content, turns[assistant].Content);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{where}: not a TRL messages row ({e.Message})");
        }
    }

    /// <summary>Fine-tunes the student in <paramref name="from"/> (a checkpoint folder) or a fresh lab student, and saves it to <paramref name="output"/>.</summary>
    public static TrainReport Train(string trlFile, string? from, string output, TrainOptions options, CancellationToken ct)
    {
        var examples = ReadTrl(trlFile);
        using var student = from is null ? LabStudent.Create(seed: options.Seed, threads: options.Threads) : LabStudent.Load(from, options.Threads);
        var report = student.Sft(examples, options, ct);
        student.Save(output);
        return report;
    }
}
