using System.Diagnostics;
using Ded.Evaluation;
using Ded.Reports;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Selection;
using Ded.Verification;
using Microsoft.Extensions.AI;

namespace Ded.Lab.Experiment;

/// <summary>
/// DED end to end on the lab, with the controls the paper lacks: teacher smoke test → M rollouts → filters →
/// question compression by the student's pass rate → farthest-P → SFT → avg@k, for DED and each control, over
/// several seeds, with intervals and a verdict on each of the paper's claims. Curation goes through the run store
/// (lineage, resume); training and evaluation are recomputed on a rerun, deterministically.
/// </summary>
public static class LabExperiment
{
    /// <exception cref="InvalidOperationException">The recipe does not enable compression, or names fewer than two teachers.</exception>
    public static Task<RunMetrics> RunAsync(RunStore store, PreparedRun run, LabExperimentOptions options, LabExperimentServices services,
        bool isQuick, CancellationToken cancellationToken)
    {
        if (run.Teachers.Count < 2) throw new InvalidOperationException("the lab experiment compares teachers: the recipe needs at least two");
        if (!run.Recipe.Compression.Enabled) throw new InvalidOperationException("the lab experiment needs compression.enabled: true in the recipe");
        if (options.Seeds.Count == 0) throw new InvalidOperationException("the lab experiment needs at least one seed");
        return RunCoreAsync(store, run, options, services, isQuick, cancellationToken);
    }

    private static async Task<RunMetrics> RunCoreAsync(RunStore store, PreparedRun run, LabExperimentOptions options, LabExperimentServices services,
        bool isQuick, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var (recipe, curation) = (run.Recipe, services.Curation);
        await CurationRun.RolloutAsync(store, run, curation, ct);
        await CurationRun.FilterAsync(store, recipe, curation, ct);
        var pools = LabPools.Draw(run.Questions, services.PretrainingQuestions, options, recipe.Sampling.Seed);
        services.Log($"evaluation sets: {pools.InDomain.Count} held-out in-domain, {pools.OutOfDomain.Count} out-of-domain questions");

        using var baseStudent = services.BaseStudent(ct);
        var trainer = new ConditionTrainer(baseStudent, pools, curation.Verifier, options, services.Log);
        var baseResult = await trainer.EvaluateBaseAsync(ct);
        var accuracy = await TeacherAccuracyAsync(run, pools.InDomain, curation.Verifier, ct);
        var smoke = await TeacherSmokeTest.RunAsync(store, run, baseStudent, trainer, accuracy, options.Seeds, curation, ct);
        services.Log($"smoke test: {smoke.Winner} won; benchmark-best teacher: {smoke.BenchmarkBest}");

        // The base student's pass rates, drawn in one batch (several times faster on a CPU), then the compression stage.
        var rates = new StudentPassRates(baseStudent, curation.Verifier, CurationRun.CompressionSampling(recipe));
        await rates.PrepareAsync(CompressionStage.Candidates(store).ToList(), recipe.Compression.K, ct);
        await CurationRun.CompressAsync(store, recipe, curation with { PassRates = rates }, ct);
        var corpora = await Conditions.BuildAsync(store, recipe, smoke.Winner, smoke.BenchmarkBest, curation, ct);
        await CurationRun.ExportAsync(store, recipe, curation, ct); // the DED corpus, under the recipe's strategy
        var trained = new List<ConditionRun>();
        foreach (var corpus in corpora)
            trained.Add(await trainer.TrainAndEvaluateAsync(corpus, ct));

        var metrics = CurationMetrics.Build(store, recipe, isQuick, started);
        return metrics with
        {
            Run = metrics.Run with
            {
                Seeds = options.Seeds, WallSeconds = clock.Elapsed.TotalSeconds,
                Settings = new Dictionary<string, string>(metrics.Run.Settings.Concat(options.Describe())),
            },
            SmokeTest = smoke.Metrics,
            Conditions = trained.Select(c => c.ToMetrics(options)).ToList(),
            BaseStudent = baseResult.ToMetrics(options),
            Claims = Claims.Judge(smoke, trained, baseResult, options),
            Histograms = [.. metrics.Histograms, .. smoke.EntropyHistograms],
        };
    }

    /// <summary>Each teacher's own accuracy on the held-out in-domain set (graded by the run's verifier): the "benchmark score" a naive user picks by.</summary>
    private static async Task<IReadOnlyDictionary<string, double>> TeacherAccuracyAsync(PreparedRun run, IReadOnlyList<EvalQuestion> benchmark,
        IVerifier verifier, CancellationToken ct)
    {
        var accuracy = new Dictionary<string, double>();
        var sampling = run.Recipe.Sampling;
        foreach (var teacher in run.Teachers)
        {
            int correct = 0;
            foreach (var q in benchmark)
            {
                var response = await teacher.Client.GetResponseAsync([new ChatMessage(ChatRole.User, q.Prompt)], new ChatOptions
                {
                    Temperature = (float)sampling.Temperature, TopP = (float)sampling.TopP, MaxOutputTokens = sampling.MaxTokens,
                    Seed = Hashing.Int63($"benchmark|{sampling.Seed}|{q.Id}"),
                }, ct);
                if ((await verifier.VerifyAsync(q.Question, Answer.Of($"{q.Id}.{teacher.Spec.Name}", response.Text), ct)).IsCorrect) correct++;
            }
            accuracy[teacher.Spec.Name] = correct / (double)benchmark.Count;
        }
        return accuracy;
    }
}
