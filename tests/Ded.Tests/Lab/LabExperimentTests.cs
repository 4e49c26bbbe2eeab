using System.Text.Json;
using Ded.Evaluation;
using Ded.Lab;
using Ded.Lab.Experiment;
using Ded.Recipes;
using Ded.Reports;
using Ded.Runs;
using Ded.Student;
using Ded.Student.Training;
using Ded.Teachers;
using Ded.Tests.Spine;
using Ded.Tests.Support;
using Ded.Tests.Student;
using Ded.Training;
using Ded.Verification;
using Xunit;

namespace Ded.Tests.Lab;

/// <summary>The whole lab experiment in process, with an untrained tiny student: shape, controls and determinism.</summary>
[Collection(TorchCollection.Name)]
public class LabExperimentTests
{
    private static readonly LabExperimentOptions Tiny = new()
    {
        Seeds = [1, 2], EvalInDomainQuestions = 6, EvalOutOfDomainQuestions = 3,
        Sft = new SftOptions { Steps = 2, BatchSize = 2 },
        Evaluation = new EvalOptions { Samples = 2, MaxTokens = 24, Seed = 1 },
    };

    private static async Task<(RunMetrics Metrics, RunStore Store)> RunAsync(string folder, int parallelism)
    {
        var path = Path.Combine(SharedData.RepoRoot, "recipes", "lab.yaml");
        var full = RecipeLoader.Parse(File.ReadAllText(path), path, LabExtension.Kinds);
        var recipe = LabRecipe.Quick(full) with { Teachers = full.Teachers }; // all eight: the smoke test's shape
        recipe = recipe with { Questions = recipe.Questions with { Sources = [new LabPoolSource { Families = ["arithmetic", "trace"], Count = 6, Seed = 1 }] } };
        var curation = new CurationServices { Teachers = spec => TeacherClients.Create(spec, TimeSpan.Zero), Verifier = new LabExactVerifier() };
        var run = CurationRun.Prepare(recipe, "name: lab\n", curation, throughExport: false);
        var store = RunStore.Open(folder);
        var services = new LabExperimentServices
        {
            Curation = curation,
            BaseStudent = _ => LabStudent.Create(new TinyGptConfig { BlockSize = 256, Layers = 1, Heads = 2, EmbedDim = 32 }, seed: 1, threads: 1),
        };
        return (await LabExperiment.RunAsync(store, run, Tiny with { Parallelism = parallelism }, services, isQuick: true, CancellationToken.None), store);
    }

    [Fact]
    public async Task RunsEveryConditionWithEqualCountsAndTheSameNumbersTwiceWhateverRanBesideIt()
    {
        using var dir = new TempDir();
        var (metrics, store) = await RunAsync(dir.File("a"), parallelism: 3);
        using (store)
        {
            var smoke = metrics.SmokeTest!;
            Assert.Equal(LabTeachers.Names, smoke.Teachers.Select(t => t.Teacher));
            Assert.Equal(Enumerable.Range(1, 8), smoke.Teachers.Select(t => t.Rank).Order());
            Assert.Contains(smoke.Winner, smoke.Teachers.Select(t => t.Teacher));
            Assert.Equal(5, smoke.SignalCorrelations.Count);
            Assert.All(smoke.SignalCorrelations, s => Assert.Equal(8, s.Teachers));
            Assert.All(smoke.Teachers, t => Assert.True(t.RankSurprisalRatio > 0, t.Teacher));

            Assert.Equal(["ded", "random-p", "longest-p", "shortest-p", "no-compression", "full-corpus", "benchmark-best-teacher", "negative-control"],
                metrics.Conditions.Select(c => c.Name));
            var byName = metrics.Conditions.ToDictionary(c => c.Name);
            // The controls choose from exactly DED's candidates: equal sample count, only the choice differs.
            Assert.All(["random-p", "longest-p", "shortest-p"], n => Assert.Equal(byName["ded"].Samples, byName[n].Samples));
            Assert.Equal(6 * LabRecipe.QuickSamplesPerQuestion, byName["full-corpus"].Samples); // every sample of the winner, unfiltered
            Assert.Equal(byName["ded"].Samples, store.Selections("farthest").Count(s => s.IsSelected));
            Assert.Equal(byName["random-p"].Samples, store.Selections("random-p").Count(s => s.IsSelected));
            Assert.All(metrics.Conditions, c => Assert.Equal(2, c.PerSeedInDomain.Count));
            Assert.All(metrics.Conditions, c => Assert.InRange(c.InDomain.Mean, c.InDomain.Low, c.InDomain.High));
            Assert.Equal(9, metrics.Claims.Count);
            Assert.NotNull(metrics.BaseStudent);
            // The negative control: DED's questions, as many wrong-answer traces as DED has samples.
            Assert.Equal(byName["ded"].Samples, byName["negative-control"].Samples);
            Assert.Equal(byName["ded"].Questions, byName["negative-control"].Questions);
            var testbed = metrics.Testbed!;
            Assert.Equal(["positive", "negative"], testbed.Controls.Select(c => c.Name));
            // An untrained student learns nothing: the testbed fails, and no claim gets a verdict.
            Assert.NotEqual(TestbedStatus.Passed, testbed.Status);
            Assert.All(metrics.Claims, c => Assert.Equal(ClaimVerdict.Untestable, c.Verdict));
            Assert.All(metrics.Claims, c => Assert.StartsWith("untestable: ", c.Measured));
            // One loss curve per fine-tune: 8 smoke students, then every condition on each seed.
            Assert.Equal(8 + 8 * 2, metrics.LossCurves.Count);
            Assert.All(metrics.LossCurves, c => Assert.Equal(Tiny.Sft.Steps, c.Losses.Count));
            // Every question with a correct, well-formed answer got a pass rate from the student.
            var passed = store.PassedAllFilters();
            Assert.Equal(store.Trajectories().Where(t => passed.Contains(t.Id)).Select(t => t.QuestionId).Distinct().Order(),
                store.CompressionDecisions().Select(c => c.QuestionId).Order());
        }

        // Fine-tunes side by side or one after the other: the same numbers.
        var (again, store2) = await RunAsync(dir.File("b"), parallelism: 1);
        store2.Dispose();
        string Numbers(RunMetrics m) => JsonSerializer.Serialize(new { m.SmokeTest, m.Conditions, m.BaseStudent, m.Claims, m.Testbed, m.LossCurves }, RunMetrics.Json);
        Assert.Equal(Numbers(metrics), Numbers(again));
    }
}
