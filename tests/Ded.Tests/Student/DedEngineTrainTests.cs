using System.CommandLine;
using System.Text.Json;
using Ded.Cli.Commands;
using Ded.Student;
using Ded.Student.Training;
using Xunit;

namespace Ded.Tests.Student;

/// <summary>`ded train --engine ded` fine-tunes the lab student on a TRL messages export and saves a checkpoint.</summary>
[Collection(TorchCollection.Name)]
public sealed class DedEngineTrainTests : IDisposable
{
    private readonly string _dir = Tiny.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteExport(params string[] lines)
    {
        var exports = Path.Combine(_dir, "exports");
        Directory.CreateDirectory(exports);
        File.WriteAllLines(Path.Combine(exports, "ded_test.trl.jsonl"), lines);
        return exports;
    }

    private static string Row(string user, string assistant, string? system = null)
    {
        var messages = new List<object>();
        if (system is not null) messages.Add(new { role = "system", content = system });
        messages.Add(new { role = "user", content = user });
        messages.Add(new { role = "assistant", content = assistant });
        return JsonSerializer.Serialize(new { messages });
    }

    [Fact]
    public void ReadsUserAsPromptAndAssistantAsResponse()
    {
        var exports = WriteExport(Row("What is 1 + 1?", "<think>one and one</think>\\boxed{2}", system: "Reason."), "", Row("2 + 2?", "\\boxed{4}"));
        Assert.Equal([("What is 1 + 1?", "<think>one and one</think>\\boxed{2}"), ("2 + 2?", "\\boxed{4}")],
            MessagesSft.ReadTrl(MessagesSft.FindTrlFile(exports)));
    }

    [Fact]
    public void ARowWithoutAnAssistantTurnNamesFileAndLine()
    {
        var exports = WriteExport(Row("a", "b"), JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = "a" } } }));
        var e = Assert.Throws<InvalidDataException>(() => MessagesSft.ReadTrl(MessagesSft.FindTrlFile(exports)));
        Assert.StartsWith("ded_test.trl.jsonl:2: messages must end with a user turn followed by an assistant turn", e.Message);
    }

    [Fact]
    public async Task TrainsFromACheckpointAndSavesOneThatLoads()
    {
        var exports = WriteExport(Enumerable.Range(0, 6).Select(i => Row($"What is {i} + {i}?", $"<think>add</think>\\boxed{{{2 * i}}}")).ToArray());
        var start = Path.Combine(_dir, "start");
        using (var student = LabStudent.Create(Tiny.Config, seed: 3, threads: 1)) student.Save(start);
        var output = Path.Combine(_dir, "trained");
        var rc = await new RootCommand { TrainCommand.Create() }.Parse(["train", "--engine", "ded", "--data", exports, "--out", output,
            "--model", start, "--steps", "3", "--threads", "1"]).InvokeAsync();
        Assert.Equal(0, rc);
        using var trained = LabStudent.Load(output, threads: 1);
        Assert.Equal(3, trained.Step);
        Assert.Equal(Tiny.Config, trained.Model.Config);
    }
}
