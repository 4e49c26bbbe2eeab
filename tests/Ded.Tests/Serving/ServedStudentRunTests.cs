using Ded.Data;
using Ded.Student;
using Ded.Student.Training;
using Ded.Teachers.Endpoints;
using Ded.Tests.Student;
using Ded.Training;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>Acceptance 1 (issue 6) with a served student: a lab recipe whose teacher and student are `ded serve`
/// processes makes the same compression decisions and curates the same corpus as the in-process lab run.</summary>
[Collection(TorchCollection.Name)]
public class ServedStudentRunTests
{
    private const int Questions = 6, Samples = 4, K = 2;

    // Block 256 (not Tiny's 64) so that lab questions and 200 new tokens fit; still ~50k parameters.
    private static readonly TinyGptConfig Config = Tiny.Config with { BlockSize = 256 };

    [Fact]
    public async Task ARecipeWithAServedTeacherAndStudentCuratesTheSameCorpusAsTheInProcessLab()
    {
        using var dir = new Spine.TempDir();
        var checkpoint = dir.File("tiny-student");
        SaveAStudentThatKnowsHalfThePool(checkpoint);
        await using var teacher = await ServedProcess.StartAsync(null, "--lab-teacher", "careful");
        await using var served = await ServedProcess.StartAsync(null, "--checkpoint", checkpoint);

        var studentEndpoint = $"{{ endpoint: {{ base_url: '{served.BaseUrl}', model: tiny-student, retry: {{ max_attempts: 1 }} }} }}";
        var tail = $"compression: {{ enabled: true, k: {K}, threshold: 0.5 }}\nstudent: ";
        File.WriteAllText(dir.File("served.yaml"),
            ServeRecipes.Recipe(Questions, Samples, [ServeRecipes.Served("careful", teacher.BaseUrl)]) + tail + studentEndpoint + "\n");
        File.WriteAllText(dir.File("lab.yaml"),
            ServeRecipes.Recipe(Questions, Samples, [ServeRecipes.Lab("careful")]) + tail + "{ lab: tiny, checkpoint: tiny-student }\n");

        var servedRun = Cli.RunAsync(null, "run", dir.File("served.yaml"), "--out", dir.File("served"));
        var labRun = Cli.RunAsync(null, "run", dir.File("lab.yaml"), "--out", dir.File("lab"));
        foreach (var (code, _, err) in await Task.WhenAll(servedRun, labRun)) Assert.True(code == 0, err);

        // One chat request (n = k) per question reached the served student.
        Assert.Equal(Questions, await served.RequestsAsync());
        foreach (var sql in new[]
        {
            "SELECT question_id, pass_rate, k, threshold, kept, reason FROM compression ORDER BY question_id",
            "SELECT trajectory_id, strategy FROM selections ORDER BY trajectory_id, strategy",
        })
        {
            var expected = RunDb.Rows(dir.File("lab"), sql);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, RunDb.Rows(dir.File("served"), sql));
        }
        // Not trivially equal: the student passes the questions it memorised and fails the rest, so some are dropped.
        var kept = RunDb.Rows(dir.File("lab"), "SELECT kept, COUNT(*) FROM compression GROUP BY kept ORDER BY kept");
        Assert.Equal(2, kept.Count);
        foreach (var file in new[] { "ded_lab.trl.jsonl", "ded_lab.sharegpt.json" })
            Assert.Equal(File.ReadAllText(Path.Combine(dir.File("lab"), "exports", file)), File.ReadAllText(Path.Combine(dir.File("served"), "exports", file)));
    }

    /// <summary>A tiny student fine-tuned to answer the recipe pool's first half (\boxed{gold}), so pass rates are 0 and 1.</summary>
    private static void SaveAStudentThatKnowsHalfThePool(string dir)
    {
        var pool = new LabPoolSource { Families = ["arithmetic", "linear", "remainder", "trace"], Count = Questions, Seed = 3 }.Load();
        using var student = LabStudent.Create(Config, seed: 4, threads: 1);
        student.Sft(pool.Take(Questions / 2).Select(q => (q.Text, $"\\boxed{{{q.GoldAnswer}}}")),
            new TrainOptions { Steps = 150, BatchSize = 4, WarmupSteps = 10, Seed = 1 }, CancellationToken.None);
        student.Save(dir);
    }

    /// <summary>Pass rates compare only whether samples grade correct, so the samples themselves are compared here:
    /// the served student's k samples are the in-process student's, text and truncation, and its scores its log-probabilities.</summary>
    [Fact]
    public async Task AnEndpointStudentSamplesAndScoresLikeTheInProcessStudent()
    {
        using var dir = new Spine.TempDir();
        var checkpoint = dir.File("tiny-student");
        using var local = LabStudent.Create(Config, seed: 4, threads: 1);
        local.Save(checkpoint);
        IStudentSampler localSampler = local;
        IStudentScorer localScorer = local;
        await using var served = await ServedProcess.StartAsync(null, "--checkpoint", checkpoint);
        using var remote = new ScoringEndpointStudent(new EndpointOptions { BaseUrls = [served.BaseUrl], Model = "tiny-student" }, null, LabStudent.FormatPrompt);

        string[] prompts = ["What is 12 + 30?", "Solve 3x + 1 = 10."];
        // The last row is the compression defaults: 0.6f and 0.95f are not exact floats, and the server reads the SDK's
        // shortest text ("0.6") as a double, it changes none of these draws (a flip needs a draw within ~1e-7 of a boundary).
        foreach (var (k, seed, temperature, topP, maxTokens) in new[] { (3, 5, 1.0f, 0.9f, 40), (1, 9, 0.5f, 1.0f, 200), (4, 5, 1.0f, 0.9f, 8), (2, 5, 0.6f, 0.95f, 200) })
        {
            var options = new SampleOptions { SamplesPerPrompt = k, Seed = seed, Temperature = temperature, TopP = topP, MaxNewTokens = maxTokens };
            var actual = await remote.SampleAsync(prompts, options, CancellationToken.None);
            for (int i = 0; i < prompts.Length; i++)
            {
                var expected = (await localSampler.SampleAsync([prompts[i]], options, CancellationToken.None))[0];
                Assert.Equal(expected, actual[i]);
            }
        }
        // An untrained student rarely ends within 8 tokens: finish_reason "length" must come back as truncated.
        var truncated = await remote.SampleAsync(prompts, new SampleOptions { SamplesPerPrompt = 4, Seed = 5, Temperature = 1.0f, MaxNewTokens = 8 }, CancellationToken.None);
        Assert.Contains(truncated.SelectMany(s => s), s => s.IsTruncated);

        var example = new SftExample(prompts[0], "42");
        var scores = (await remote.ScoreAsync([example], CancellationToken.None)).Single();
        var inProcess = (await localScorer.ScoreAsync([example], CancellationToken.None)).Single();
        Assert.Equal(inProcess.LogProbs.Take(example.Response.Length), scores.LogProbs); // the in-process score adds EOS
        Assert.Equal(inProcess.Ranks.Take(example.Response.Length), scores.Ranks);       // vLLM's prompt_logprobs rank, as ded serve sends it
        Assert.NotEmpty(scores.Ranks);
        Assert.Empty(scores.EntropiesBits);
        Assert.IsNotAssignableFrom<ITrainableStudent>(remote); // trained elsewhere: the capability is absent, nothing throws
    }
}
