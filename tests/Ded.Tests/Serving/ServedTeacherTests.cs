using Xunit;

namespace Ded.Tests.Serving;

/// <summary>Acceptance 1 (issue 6): a recipe whose teachers are `ded serve` processes curates the same corpus as the
/// in-process lab run of the same recipe with the same seeds.</summary>
public class ServedTeacherTests
{
    [Fact]
    public async Task ARecipeAgainstServedLabTeachersCuratesTheSameCorpusAsTheInProcessLab()
    {
        using var dir = new Spine.TempDir();
        const int questions = 10, samples = 3;
        await using var careful = await ServedProcess.StartAsync(null, "--lab-teacher", "careful");
        await using var explorer = await ServedProcess.StartAsync(null, "--lab-teacher", "explorer");
        // One teacher over plain JSON, the other streamed (SSE): both wire formats must give the lab's texts.
        File.WriteAllText(dir.File("served.yaml"), ServeRecipes.Recipe(questions, samples,
            [ServeRecipes.Served("careful", careful.BaseUrl), ServeRecipes.Served("explorer", explorer.BaseUrl, ", stream: true")]));
        File.WriteAllText(dir.File("lab.yaml"), ServeRecipes.Recipe(questions, samples, [ServeRecipes.Lab("careful"), ServeRecipes.Lab("explorer")]));

        var served = Cli.RunAsync(null, "run", dir.File("served.yaml"), "--out", dir.File("served"));
        var lab = Cli.RunAsync(null, "run", dir.File("lab.yaml"), "--out", dir.File("lab"));
        foreach (var (code, _, err) in await Task.WhenAll(served, lab)) Assert.True(code == 0, err);

        // Every sample crossed HTTP exactly once, and each is the lab's text, finish reason and token counts.
        Assert.Equal((questions * samples, questions * samples), (await careful.RequestsAsync(), await explorer.RequestsAsync()));
        const string sql = "SELECT id, request_key, model, seed, raw_response, finish_reason, input_tokens, output_tokens FROM trajectories ORDER BY id";
        var labRows = RunDb.Rows(dir.File("lab"), sql);
        Assert.Equal(2 * questions * samples, labRows.Count);
        Assert.Equal(labRows, RunDb.Rows(dir.File("served"), sql));

        // The curated corpus: the exported rows, byte for byte (and not trivially empty).
        foreach (var file in new[] { "ded_lab.trl.jsonl", "ded_lab.sharegpt.json" })
        {
            var expected = File.ReadAllText(Path.Combine(dir.File("lab"), "exports", file));
            Assert.Equal(expected, File.ReadAllText(Path.Combine(dir.File("served"), "exports", file)));
        }
        Assert.InRange(File.ReadAllLines(Path.Combine(dir.File("lab"), "exports", "ded_lab.trl.jsonl")).Length, questions, 2 * questions);
    }
}
