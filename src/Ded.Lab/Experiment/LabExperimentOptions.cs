using System.Globalization;
using Ded.Evaluation;
using Ded.Training;

namespace Ded.Lab.Experiment;

/// <summary>
/// The lab experiment's evaluation sets, seeds and training budget; the curation settings (M, P, k, threshold) are
/// the recipe's. Defaults fit `ded lab` in 15 minutes on 2 cores; <see cref="Quick"/> in 2.
/// </summary>
public sealed record LabExperimentOptions
{
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];  // ≥ 3 training seeds: the paper reports one run
    /// <summary>Fine-tunes run side by side, one thread each; the numbers do not depend on it.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Held out from the seed pool and from pretraining. Questions over samples: on 96 questions × avg@4 the
    /// per-question variance of a student's score split 0.10–0.13 between questions against 0.09–0.11 within one
    /// (measured on the base and a DED student), so with three seeds' samples pooled a student's interval narrows with
    /// questions, hardly with samples: 192 × avg@2 resolved ±0.043 (stratified intervals) where 96 × avg@3 had resolved
    /// ±0.076, for a third more generation.</summary>
    public int EvalInDomainQuestions { get; init; } = 192;
    public int EvalOutOfDomainQuestions { get; init; } = 24;     // the general families
    public int EvalMinDifficulty { get; init; } = 2;             // harder than most training problems (those run 1..4)
    public int EvalMaxDifficulty { get; init; } = 5;
    public int OutOfDomainMaxDifficulty { get; init; } = 4;
    /// <summary>Every condition gets the same optimizer steps: equal compute, whatever its corpus size. 32 steps of four
    /// packed 512-token rows: most of an epoch of the DED corpus (~550 traces). Measured on four sets of 192 questions
    /// kept apart from the base's pretraining (DED's corpus, one seed), this budget lifted the base by +0.07, +0.05,
    /// +0.10 and +0.11; 64 steps at 1e-4 by +0.17, +0.01, +0.09 and +0.13: no more on the three sets it was not
    /// first seen on (docs/lab.md), and 35 fine-tunes of it fit the time budget.</summary>
    public SftOptions Sft { get; init; } = new() { Steps = 32, BatchSize = 4, LearningRate = SftLearningRate };

    /// <summary>A tenth of the base's peak: at 1e-3 the base lost a third of its in-domain score on correct traces of its
    /// own style, and 4e-4 or more gained nothing on DED's corpus (measured), as a model forgets under too hot a
    /// fine-tune.</summary>
    public const double SftLearningRate = 2e-4;
    public EvalOptions Evaluation { get; init; } = new() { Samples = 2, MaxTokens = EvalMaxTokens, Seed = 1 }; // the paper's avg@16, scaled to the lab's budget

    /// <summary>Above the longest trace any teacher writes at the evaluated difficulties (metrics.json records it as
    /// longest_teacher_answer), so that a student that learnt a long style is not cut off; inside the 512-token block.</summary>
    public const int EvalMaxTokens = 420;

    /// <summary>One seed and smaller sets: the whole method in about two minutes.</summary>
    public static LabExperimentOptions Quick { get; } = new()
    {
        Seeds = [1], EvalInDomainQuestions = 16, EvalOutOfDomainQuestions = 8,
        Sft = new SftOptions { Steps = 16, BatchSize = 2, LearningRate = SftLearningRate },
        Evaluation = new EvalOptions { Samples = 2, MaxTokens = EvalMaxTokens, Seed = 1 },
    };

    /// <summary>The settings as recorded in metrics.json.</summary>
    public IEnumerable<KeyValuePair<string, string>> Describe()
    {
        string S(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
        yield return new("seeds", string.Join(",", Seeds));
        yield return new("eval_in_domain", $"{EvalInDomainQuestions} questions, difficulty {EvalMinDifficulty}..{EvalMaxDifficulty}");
        yield return new("eval_out_of_domain", $"{EvalOutOfDomainQuestions} questions, difficulty 1..{OutOfDomainMaxDifficulty}");
        yield return new("eval", $"avg@{Evaluation.Samples}, temperature {S(Evaluation.Temperature)}, top-p {S(Evaluation.TopP)}, max {Evaluation.MaxTokens} new tokens");
        yield return new("sft", $"{Sft.Steps} steps x {Sft.BatchSize} packed rows, lr {S(Sft.LearningRate)}, warmup {Sft.WarmupSteps}");
    }
}
