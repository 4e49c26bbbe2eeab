using System.Text.Json;
using Ded.Tests.Student;
using Ded.Tests.Support;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>`ded eval` end to end against `ded serve` (the shipped lab student) on the real AIME and MATH-500 files.</summary>
[Collection(TorchCollection.Name)]
public class EvalAgainstServedStudentTests
{
    [SkippableTheory]
    [InlineData("aime24")]
    [InlineData("math500")]
    public async Task EvalWritesResultsForTheServedLabStudent(string benchmark)
    {
        SharedData.Require(benchmark + ".jsonl"); // shared data absent: skipped, nothing to evaluate on
        var checkpoint = Path.Combine(SharedData.RepoRoot, "lab", "base-student");
        await using var server = await ServedProcess.StartAsync(null, "--checkpoint", checkpoint, "--model-id", "lab-student");
        var output = Directory.CreateTempSubdirectory("ded-eval-").FullName;
        try
        {
            var (code, stdout, stderr) = await Cli.RunAsync(null, "eval", "--endpoint", server.BaseUrl, "--model", "lab-student",
                "--benchmark", benchmark, "--limit", "3", "--n", "2", "--max-tokens", "48", "--out", output);
            Assert.True(code == 0, stderr + stdout);

            using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
            var root = results.RootElement;
            Assert.Equal(3, root.GetProperty("questions").GetInt32());
            Assert.Equal(2, root.GetProperty("n").GetInt32());
            Assert.Equal(3, root.GetProperty("per_question").GetArrayLength());
            Assert.InRange(root.GetProperty("avg_at_n").GetProperty("mean").GetDouble(), 0, 1);
            Assert.Equal(6, File.ReadLines(Path.Combine(output, "samples.jsonl")).Count());
            Assert.Equal(3, await server.RequestsAsync()); // one request per question asks for its n = 2 samples, as a served student is asked
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
