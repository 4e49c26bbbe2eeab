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
        var (accuracy, longest) = await TeacherBenchmarkAsync(run, pools, curation.Verifier, ct);
        services.Log($"longest teacher answer to an evaluation question: {longest} characters with its prompt; the student generates up to {options.Evaluation.MaxTokens}");
        var smoke = await TeacherSmokeTest.RunAsync(store, run, baseStudent, trainer, accuracy, options.Seeds, curation, ct);
        services.Log($"smoke test: {smoke.Winner} won; benchmark-best teacher: {smoke.BenchmarkBest}");

        // The base student's pass rates, drawn in two batched halves side by side (several times faster on a CPU than
        // question by question), then the compression stage.
        var rates = new StudentPassRates(new ForkedSampler(baseStudent, parts: 2, options.Parallelism), curation.Verifier,
            CurationRun.CompressionSampling(recipe));
        await rates.PrepareAsync(CompressionStage.Candidates(store).ToList(), recipe.Compression.K, ct);
        await CurationRun.CompressAsync(store, recipe, curation with { PassRates = rates }, ct);
        var corpora = await Conditions.BuildAsync(store, recipe, smoke.Winner, smoke.BenchmarkBest, curation, ct);
        await CurationRun.ExportAsync(store, recipe, curation, ct); // the DED corpus, under the recipe's strategy
        var wrong = TestbedControls.WrongAnswers(corpora[0], smoke.Winner, (float)recipe.Sampling.Temperature, recipe.Sampling.Seed);
        var runs = await trainer.TrainAndEvaluateAsync([.. corpora, wrong], ct);
        var (trained, negative) = (runs.SkipLast(1).ToList(), runs[^1]);
        var testbed = TestbedControls.Judge(trained[0], negative, baseResult, trained);
        services.Log($"testbed {testbed.Summary}");

        var metrics = CurationMetrics.Build(store, recipe, isQuick, started);
        return metrics with
        {
            Run = metrics.Run with
            {
                Seeds = options.Seeds, WallSeconds = clock.Elapsed.TotalSeconds,
                Settings = new Dictionary<string, string>(metrics.Run.Settings.Concat(options.Describe())
                    .Append(new("longest_teacher_answer", $"{longest} characters with its prompt, on the evaluation questions"))),
            },
            Testbed = testbed,
            SmokeTest = smoke.Metrics,
            Conditions = [.. trained.Select(c => c.ToMetrics(options)), negative.ToMetrics(options)],
            BaseStudent = baseResult.ToMetrics(options),
            Claims = Claims.Judge(smoke, trained, baseResult, testbed),
            Histograms = [.. metrics.Histograms, .. smoke.EntropyHistograms],
            LossCurves = [.. smoke.Students.Values.SelectMany(s => s.LossCurves), .. trained.Append(negative).SelectMany(c => c.LossCurves)],
        };
    }

    /// <summary>Each teacher's own accuracy on the held-out in-domain set, graded by the run's verifier (the "benchmark
    /// score" a naive user picks by), and the longest response any teacher writes to an evaluation question, prompt
    /// included (the evaluation token limit must leave room for it, or students that learnt a long style are cut off).</summary>
    private static async Task<(IReadOnlyDictionary<string, double> Accuracy, int LongestTokens)> TeacherBenchmarkAsync(PreparedRun run, LabPools pools,
        IVerifier verifier, CancellationToken ct)
    {
        var accuracy = new Dictionary<string, double>();
        var sampling = run.Recipe.Sampling;
        int longest = 0;
        foreach (var teacher in run.Teachers)
        {
            int correct = 0;
            foreach (var q in pools.All)
            {
                var response = await teacher.Client.GetResponseAsync([new ChatMessage(ChatRole.User, q.Prompt)], new ChatOptions
                {
                    Temperature = (float)sampling.Temperature, TopP = (float)sampling.TopP, MaxOutputTokens = sampling.MaxTokens,
                    Seed = Hashing.Int63($"benchmark|{sampling.Seed}|{q.Id}"),
                }, ct);
                longest = Math.Max(longest, q.Prompt.Length + response.Text.Length);
                if (pools.InDomain.Contains(q) && (await verifier.VerifyAsync(q.Question, Answer.Of($"{q.Id}.{teacher.Spec.Name}", response.Text), ct)).IsCorrect) correct++;
            }
            accuracy[teacher.Spec.Name] = correct / (double)pools.InDomain.Count;
        }
        return (accuracy, longest);
    }
}
