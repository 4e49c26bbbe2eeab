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
    /// questions, hardly with samples: avg@2 on 96 questions spends two thirds of avg@3's generation for nearly its width,
    /// and the time saved goes to the conditions' fine-tunes (<see cref="Sft"/>).</summary>
    public int EvalInDomainQuestions { get; init; } = 96;
    public int EvalOutOfDomainQuestions { get; init; } = 24;     // the general families
    public int EvalMinDifficulty { get; init; } = 2;             // harder than most training problems (those run 1..4)
    public int EvalMaxDifficulty { get; init; } = 5;
    public int OutOfDomainMaxDifficulty { get; init; } = 4;
    /// <summary>Every condition gets the same optimizer steps: equal compute, whatever its corpus size. 64 steps of four
    /// packed 512-token rows, about an epoch and a half of the DED corpus (~550 traces). Measured on 192 held-out
    /// questions kept apart from the base's pretraining (DED's corpus, one seed): 32 steps at 2e-4 lifted the base by
    /// +0.07, 48 at 1.5e-4 by +0.12, 64 at 1e-4 by +0.17 (at 2e-4 +0.15), 96 at 1e-4 no further (+0.13); 64 steps of
    /// two rows, +0.06: the tokens seen count, not the steps.</summary>
    public SftOptions Sft { get; init; } = new() { Steps = 64, BatchSize = 4, LearningRate = SftLearningRate };

    /// <summary>A twentieth of the base's peak: at 1e-3 the base lost a third of its in-domain score on correct traces of
    /// its own style, and at 32 steps 4e-4 or more gained nothing on DED's corpus (measured), as a model forgets under too
    /// hot a fine-tune.</summary>
    public const double SftLearningRate = 1e-4;

    /// <summary>The smoke test's fine-tunes, one per teacher on one answer per seed question (~200 traces): about an epoch
    /// in 32 steps. Cheaper than a condition's, as the paper's smoke test is a small run; every teacher gets the same.</summary>
    public SftOptions SmokeSft { get; init; } = new() { Steps = 32, BatchSize = 4, LearningRate = SmokeSftLearningRate };

    /// <summary>Half as many steps at twice the rate: what the smoke test was measured to separate teachers with.</summary>
    public const double SmokeSftLearningRate = 2e-4;
    public EvalOptions Evaluation { get; init; } = new() { Samples = 2, MaxTokens = EvalMaxTokens, Seed = 1 }; // the paper's avg@16, scaled to the lab's budget

    /// <summary>Above the longest trace any teacher writes at the evaluated difficulties (metrics.json records it as
    /// longest_teacher_answer), so that a student that learnt a long style is not cut off; inside the 512-token block.</summary>
    public const int EvalMaxTokens = 420;

    /// <summary>One seed and smaller sets: the whole method in about two minutes.</summary>
    public static LabExperimentOptions Quick { get; } = new()
    {
        Seeds = [1], EvalInDomainQuestions = 16, EvalOutOfDomainQuestions = 8,
        Sft = new SftOptions { Steps = 16, BatchSize = 2, LearningRate = SmokeSftLearningRate },
        SmokeSft = new SftOptions { Steps = 16, BatchSize = 2, LearningRate = SmokeSftLearningRate },
        Evaluation = new EvalOptions { Samples = 2, MaxTokens = EvalMaxTokens, Seed = 1 },
    };

    /// <summary>The settings as recorded in metrics.json.</summary>
    public IEnumerable<KeyValuePair<string, string>> Describe()
    {
        yield return new("seeds", string.Join(",", Seeds));
        yield return new("eval_in_domain", $"{EvalInDomainQuestions} questions, difficulty {EvalMinDifficulty}..{EvalMaxDifficulty}");
        yield return new("eval_out_of_domain", $"{EvalOutOfDomainQuestions} questions, difficulty 1..{OutOfDomainMaxDifficulty}");
        yield return new("eval", $"avg@{Evaluation.Samples}, temperature {S(Evaluation.Temperature)}, top-p {S(Evaluation.TopP)}, max {Evaluation.MaxTokens} new tokens");
        yield return new("sft", Describe(Sft));
        yield return new("smoke_sft", Describe(SmokeSft));
    }

    private static string Describe(SftOptions sft) =>
        $"{sft.Steps} steps x {sft.BatchSize} packed rows, lr {S(sft.LearningRate)}, warmup {sft.WarmupSteps}";

    private static string S(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
