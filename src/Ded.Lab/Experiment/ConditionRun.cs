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

/// <summary>A corpus trained and evaluated on every seed: graded samples indexed [seed][question][sample] over the
/// pools' questions, and the SFT loss of each seed's fine-tune step by step (empty for the base student).</summary>
internal sealed record ConditionRun(Corpus Corpus, LabPools Pools,
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
            InDomain = Interval(InDomainPerSeed, Pools.InDomainStrata),
            OutOfDomain = Interval(OutOfDomainPerSeed, Pools.OutOfDomainStrata),
            MajorityInDomain = Interval(InDomain.Select(s => (IReadOnlyList<double>)Statistics.PerQuestionMajority(s)).ToArray(), Pools.InDomainStrata),
            PassAtKInDomain = Interval(InDomain.Select(s => (IReadOnlyList<double>)Statistics.PerQuestionPassAtK(s, options.Evaluation.Samples)).ToArray(),
                Pools.InDomainStrata),
            TruncationRate = all.Average(Statistics.TruncationRate),
            NoAnswerRate = all.Average(Statistics.NoAnswerRate),
            PerSeedInDomain = InDomain.Select(Statistics.AvgAtK).ToArray(),
            PerSeedOutOfDomain = OutOfDomain.Select(Statistics.AvgAtK).ToArray(),
        };
    }

    /// <summary>95% interval over seeds and questions together (one seed: over questions), questions redrawn within their
    /// family.</summary>
    internal static ScoreInterval Interval(IReadOnlyList<IReadOnlyList<double>> perSeedPerQuestion, IReadOnlyList<int> strata)
    {
        var s = Statistics.BootstrapOverSeedsAndQuestions(perSeedPerQuestion, new BootstrapOptions { Seed = 1 }, strata);
        return new ScoreInterval(s.Mean, s.Low, s.High, perSeedPerQuestion.Count * perSeedPerQuestion[0].Count);
    }
}

/// <summary>Fine-tunes a fork of the base student on a corpus for each seed and evaluates it on the held-out sets.
/// Fine-tunes run side by side, one per core, each fork on one thread: the tiny student keeps one core busy but not
/// two (measured on 2 cores: one fine-tune ran 1.1 times as fast on two threads as on one; two side by side on one
/// thread each finished in 0.6–0.7 of the time of the two one after the other on two threads), and on one thread a
/// fork's numbers do not depend on the machine's core count or on which fine-tune ran beside it.</summary>
internal sealed class ConditionTrainer(ITrainableStudent baseStudent, LabPools pools, IVerifier verifier, LabExperimentOptions options, Action<string> log)
{
    // Training is deterministic in (corpus, seed): a control whose corpus equals another's (the benchmark-best teacher
    // is the winner, compression dropped nothing) reuses that result instead of training it again.
    private readonly Dictionary<(string Corpus, int Seed), Result> _done = [];
    private readonly Lock _logLock = new();

    private sealed record Result(IReadOnlyList<IReadOnlyList<GradedSample>> InDomain, IReadOnlyList<IReadOnlyList<GradedSample>> OutOfDomain,
        IReadOnlyList<double> Losses, string TrainedAs);

    /// <summary>The base student on every evaluation seed, the seeds side by side on one-thread forks as the fine-tunes.</summary>
    public async Task<ConditionRun> EvaluateBaseAsync(CancellationToken ct)
    {
        var bySeed = new (IReadOnlyList<IReadOnlyList<GradedSample>> InDomain, IReadOnlyList<IReadOnlyList<GradedSample>> OutOfDomain)[options.Seeds.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Seeds.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = ct }, async (i, token) =>
            {
                using var student = baseStudent.Fork(threads: 1);
                bySeed[i] = await EvaluateAsync(student, options.Seeds[i], token);
            });
        var run = new ConditionRun(new Corpus("base", "the pretrained student before any distillation", [], 0), pools,
            bySeed.Select(s => s.InDomain).ToArray(), bySeed.Select(s => s.OutOfDomain).ToArray());
        log($"base student: in-domain {run.InDomainPerSeed.SelectMany(x => x).Average():0.000}, out-of-domain {run.OutOfDomainPerSeed.SelectMany(x => x).Average():0.000}");
        return run;
    }

    /// <summary>Every corpus on every seed (<paramref name="seeds"/>, else the experiment's), in corpus order.</summary>
    public async Task<IReadOnlyList<ConditionRun>> TrainAndEvaluateAsync(IReadOnlyList<Corpus> corpora, CancellationToken ct, IReadOnlyList<int>? seeds = null)
    {
        seeds ??= options.Seeds;
        var jobs = corpora.SelectMany(c => seeds.Select(seed => (Key: (Fingerprint(c.Examples), seed), Corpus: c, Seed: seed)))
            .Where(j => !_done.ContainsKey(j.Key)).DistinctBy(j => j.Key).ToList();
        var results = new System.Collections.Concurrent.ConcurrentDictionary<(string, int), Result>();
        await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = ct },
            async (job, token) => results[job.Key] = await TrainAndEvaluateAsync(job.Corpus, job.Seed, token));
        foreach (var (key, result) in results) _done[key] = result;

        return corpora.Select(corpus =>
        {
            string key = Fingerprint(corpus.Examples);
            var done = seeds.Select(seed => _done[(key, seed)]).ToList();
            if (done[0].TrainedAs != corpus.Name)
                Log($"{corpus.Name}: the same {corpus.Examples.Count} samples as {done[0].TrainedAs}: its results reused");
            return new ConditionRun(corpus, pools, done.Select(r => r.InDomain).ToArray(), done.Select(r => r.OutOfDomain).ToArray())
            {
                LossCurves = done.Select((r, i) => new LossCurve(corpus.Name, seeds[i], r.Losses)).ToArray(),
            };
        }).ToList();
    }

    private async Task<Result> TrainAndEvaluateAsync(Corpus corpus, int seed, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var student = baseStudent.Fork(threads: 1);
        var losses = corpus.Examples.Count > 0 ? (await student.SftAsync(corpus.Examples, options.Sft with { Seed = seed }, ct)).Losses : [];
        var trained = clock.Elapsed;
        var (inDomain, outOfDomain) = await EvaluateAsync(student, seed, ct);
        Log($"{corpus.Name} seed {seed}: {corpus.Examples.Count} samples, SFT {trained.TotalSeconds:0.0}s, eval {(clock.Elapsed - trained).TotalSeconds:0.0}s: " +
            $"in-domain {Statistics.AvgAtK(inDomain):0.000}, out-of-domain {Statistics.AvgAtK(outOfDomain):0.000}");
        return new Result(inDomain, outOfDomain, losses, corpus.Name);
    }

    private void Log(string line)
    {
        lock (_logLock) log(line);
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
