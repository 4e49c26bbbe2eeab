using Ded.Evaluation;
using Ded.Reports;
using Ded.Runs;
using Ded.Training;
using Ded.Verification;

namespace Ded.Lab.Experiment;

/// <summary>A training corpus: DED's or a control's.</summary>
internal sealed record Corpus(string Name, string Description, IReadOnlyList<SftExample> Examples, int Questions)
{
    /// <summary>The trajectories a selection chose, as (question, response) pairs in question then trajectory-id order.</summary>
    public static Corpus Selected(RunStore store, string key, string name, string description)
    {
        var chosen = store.Selections(key).Where(s => s.IsSelected).Select(s => s.TrajectoryId).ToHashSet();
        var examples = new List<SftExample>();
        int used = 0;
        foreach (var q in store.Questions())
        {
            var picked = store.TrajectoriesOf(q.Id).Where(t => chosen.Contains(t.Id)).Select(t => new SftExample(q.Text, t.RawResponse)).ToList();
            examples.AddRange(picked);
            if (picked.Count > 0) used++;
        }
        return new Corpus(name, description, examples, used);
    }
}

/// <summary>A corpus trained and evaluated on every seed: graded samples indexed [seed][question][sample], and the SFT
/// loss of each seed's fine-tune step by step (empty for the base student).</summary>
internal sealed record ConditionRun(Corpus Corpus,
    IReadOnlyList<IReadOnlyList<IReadOnlyList<GradedSample>>> InDomain,
    IReadOnlyList<IReadOnlyList<IReadOnlyList<GradedSample>>> OutOfDomain)
{
    public IReadOnlyList<LossCurve> LossCurves { get; init; } = [];

    public IReadOnlyList<IReadOnlyList<double>> InDomainPerSeed => InDomain.Select(s => (IReadOnlyList<double>)Statistics.PerQuestionAccuracy(s)).ToArray();
    public IReadOnlyList<IReadOnlyList<double>> OutOfDomainPerSeed => OutOfDomain.Select(s => (IReadOnlyList<double>)Statistics.PerQuestionAccuracy(s)).ToArray();

    public ConditionResult ToMetrics(LabExperimentOptions options)
    {
        var all = InDomain.Zip(OutOfDomain, (a, b) => (IReadOnlyList<IReadOnlyList<GradedSample>>)[.. a, .. b]).ToArray();
        return new ConditionResult
        {
            Name = Corpus.Name, Description = Corpus.Description, Samples = Corpus.Examples.Count, Questions = Corpus.Questions,
            InDomain = Interval(InDomainPerSeed),
            OutOfDomain = Interval(OutOfDomainPerSeed),
            MajorityInDomain = Interval(InDomain.Select(s => (IReadOnlyList<double>)Statistics.PerQuestionMajority(s)).ToArray()),
            PassAtKInDomain = Interval(InDomain.Select(s => (IReadOnlyList<double>)Statistics.PerQuestionPassAtK(s, options.Evaluation.Samples)).ToArray()),
            TruncationRate = all.Average(Statistics.TruncationRate),
            NoAnswerRate = all.Average(Statistics.NoAnswerRate),
            PerSeedInDomain = InDomain.Select(Statistics.AvgAtK).ToArray(),
            PerSeedOutOfDomain = OutOfDomain.Select(Statistics.AvgAtK).ToArray(),
        };
    }

    /// <summary>95% interval over seeds and questions together (one seed: over questions).</summary>
    internal static ScoreInterval Interval(IReadOnlyList<IReadOnlyList<double>> perSeedPerQuestion)
    {
        var s = Statistics.BootstrapOverSeedsAndQuestions(perSeedPerQuestion, new BootstrapOptions { Seed = 1 });
        return new ScoreInterval(s.Mean, s.Low, s.High, perSeedPerQuestion.Count * perSeedPerQuestion[0].Count);
    }
}

/// <summary>Fine-tunes a fork of the base student on a corpus for each seed and evaluates it on the held-out sets.</summary>
internal sealed class ConditionTrainer(ITrainableStudent baseStudent, LabPools pools, IVerifier verifier, LabExperimentOptions options, Action<string> log)
{
    // Training is deterministic in (corpus, seed): a control whose corpus equals another's (the benchmark-best teacher
    // is the winner, compression dropped nothing) reuses that result instead of training it again.
    private readonly Dictionary<(string Corpus, int Seed), (IReadOnlyList<IReadOnlyList<GradedSample>>, IReadOnlyList<IReadOnlyList<GradedSample>>, IReadOnlyList<double>)> _done = [];

    public async Task<ConditionRun> EvaluateBaseAsync(CancellationToken ct)
    {
        var byIn = new List<IReadOnlyList<IReadOnlyList<GradedSample>>>();
        var byOut = new List<IReadOnlyList<IReadOnlyList<GradedSample>>>();
        foreach (int seed in options.Seeds)
        {
            var (inDomain, outOfDomain) = await EvaluateAsync(baseStudent, seed, ct);
            byIn.Add(inDomain);
            byOut.Add(outOfDomain);
        }
        var run = new ConditionRun(new Corpus("base", "the pretrained student before any distillation", [], 0), byIn, byOut);
        log($"base student: in-domain {run.InDomainPerSeed.SelectMany(x => x).Average():0.000}, out-of-domain {run.OutOfDomainPerSeed.SelectMany(x => x).Average():0.000}");
        return run;
    }

    public async Task<ConditionRun> TrainAndEvaluateAsync(Corpus corpus, CancellationToken ct, IReadOnlyList<int>? seeds = null)
    {
        var byIn = new List<IReadOnlyList<IReadOnlyList<GradedSample>>>();
        var byOut = new List<IReadOnlyList<IReadOnlyList<GradedSample>>>();
        var curves = new List<LossCurve>();
        string key = Fingerprint(corpus.Examples);
        foreach (int seed in seeds ?? options.Seeds)
        {
            if (!_done.TryGetValue((key, seed), out var result))
                _done[(key, seed)] = result = await TrainAndEvaluateAsync(corpus, seed, ct);
            else
                log($"{corpus.Name} seed {seed}: the same {corpus.Examples.Count} samples as an earlier condition: its result reused");
            byIn.Add(result.Item1);
            byOut.Add(result.Item2);
            curves.Add(new LossCurve(corpus.Name, seed, result.Item3));
        }
        return new ConditionRun(corpus, byIn, byOut) { LossCurves = curves };
    }

    private async Task<(IReadOnlyList<IReadOnlyList<GradedSample>>, IReadOnlyList<IReadOnlyList<GradedSample>>, IReadOnlyList<double>)> TrainAndEvaluateAsync(
        Corpus corpus, int seed, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var student = baseStudent.Fork();
        var losses = corpus.Examples.Count > 0 ? (await student.SftAsync(corpus.Examples, options.Sft with { Seed = seed }, ct)).Losses : [];
        var trained = clock.Elapsed;
        var (inDomain, outOfDomain) = await EvaluateAsync(student, seed, ct);
        log($"{corpus.Name} seed {seed}: {corpus.Examples.Count} samples, SFT {trained.TotalSeconds:0.0}s, eval {(clock.Elapsed - trained).TotalSeconds:0.0}s: " +
            $"in-domain {Statistics.AvgAtK(inDomain):0.000}, out-of-domain {Statistics.AvgAtK(outOfDomain):0.000}");
        return (inDomain, outOfDomain, losses);
    }

    private static string Fingerprint(IReadOnlyList<SftExample> examples) => Rollouts.Hashing.Hex(
        string.Concat(examples.Select(e => $"{e.Prompt.Length}:{e.Prompt}{e.Response.Length}:{e.Response}")));

    private async Task<(IReadOnlyList<IReadOnlyList<GradedSample>> InDomain, IReadOnlyList<IReadOnlyList<GradedSample>> OutOfDomain)> EvaluateAsync(
        IStudentSampler student, int seed, CancellationToken ct)
    {
        var samples = await EvaluationStage.RunAsync(student, pools.All, verifier, options.Evaluation with { Seed = seed }, null, null, ct);
        var graded = EvaluationStage.Graded(samples);
        return (graded.Take(pools.InDomain.Count).ToArray(), graded.Skip(pools.InDomain.Count).ToArray());
    }
}
