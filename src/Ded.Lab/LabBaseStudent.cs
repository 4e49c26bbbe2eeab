using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ded.Student;
using Ded.Student.Training;

namespace Ded.Lab;

/// <summary>How the lab's base student is pretrained, in three phases, loss on the response: reasoning traces in the
/// plain style over every lab family (<see cref="Steps"/>), the same traces again at a lower learning rate
/// (<see cref="RefineSteps"/>), then the same style with a habit, forgetting carries (<see cref="HabitSteps"/>), as a
/// real student's pretraining is followed by training on a weaker model's data.</summary>
public sealed record LabBaseOptions
{
    public TinyGptConfig Model { get; init; } = new() { BlockSize = 512 }; // the longest teacher trace at the evaluated difficulties fits
    public int Examples { get; init; } = 8000;      // distinct problems per phase; the small families run out of distinct easy ones much past this
    public int MaxDifficulty { get; init; } = 5;     // the easy ones get learnt, the hard ones do not: room for distillation
    public int Steps { get; init; } = 4000;          // measured: 1,000 steps left the base unable to copy digits from its prompt
    /// <summary>After the first phase the base slipped by one or two on about a quarter of its sums, errors no SFT on
    /// correct traces fixed, so the habit's fix moved few whole answers; a second schedule over the same traces at a quarter of
    /// the peak lowers its loss from 0.078 to 0.06 and lets the fix show (docs/lab.md, "Why this base").</summary>
    public int RefineSteps { get; init; } = 3000;
    public double RefineLearningRate { get; init; } = 5e-4;
    public int HabitSteps { get; init; } = 600;      // most of a pass over the habit corpus
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 2e-3;
    public double HabitLearningRate { get; init; } = 1e-3;
    public float Temperature { get; init; } = 1f;    // the plain style's slips at this temperature: a mediocre reasoner
    public int Seed { get; init; } = 1;

    /// <summary>Identifies a base checkpoint: the options and the corpus they draw (so a changed lab family retrains).</summary>
    public string Fingerprint() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        JsonSerializer.Serialize(this) + string.Concat(LabBaseStudent.Corpus(this).Select(e => e.Prompt + "\0" + e.Response + "\0")))))[..16];
}

/// <summary>
/// The lab's base student: pretrained on reasoning traces in the lab's answer shape (<c>&lt;think&gt;</c> steps, then
/// <c>\boxed{}</c>) in a plain, slip-prone style, so that it already reasons, as the paper's student does: it solves
/// easy problems, fails harder ones, and has out-of-domain skills (the general families) that distillation could
/// erode (DED.md, OOD claim). Distillation then changes how it reasons, not whether.
/// </summary>
public static class LabBaseStudent
{
    private const string FingerprintFile = "base.json";

    /// <summary>Both corpora together (what the lab keeps out of its evaluation sets).</summary>
    public static IReadOnlyList<(string Prompt, string Response)> Corpus(LabBaseOptions options) =>
        [.. Phase(options, LabTeachers.BaseStyle, 0), .. Phase(options, LabTeachers.HabitStyle, 1)];

    /// <summary>One phase's corpus: each problem with one trace in the style, problems drawn apart from the seeds the
    /// lab draws its train and eval pools with.</summary>
    private static (string Prompt, string Response)[] Phase(LabBaseOptions options, string style, int phase) =>
        LabWorld.Pool(new LabPoolOptions
        {
            Families = LabWorld.Families, Count = options.Examples, MinDifficulty = 1, MaxDifficulty = options.MaxDifficulty,
            Seed = options.Seed + 1_000_000 * (phase + 1),
        }).Select((p, i) => (p.Question, LabTeachers.Write(style, p.Question, options.Seed * 1_000_003 + 1_000_000 * phase + i, options.Temperature))).ToArray();

    /// <summary>Whether <paramref name="dir"/> holds a base checkpoint built from these options.</summary>
    public static bool Matches(string dir, LabBaseOptions options)
    {
        string fingerprintPath = Path.Combine(dir, FingerprintFile);
        return File.Exists(fingerprintPath) && JsonDocument.Parse(File.ReadAllText(fingerprintPath)).RootElement
            .GetProperty("fingerprint").GetString() == options.Fingerprint();
    }

    /// <summary>Loads the base checkpoint in <paramref name="dir"/> when it was built from these options; else pretrains and saves it.</summary>
    public static LabStudent LoadOrPretrain(string dir, LabBaseOptions options, Action<string> log, CancellationToken ct)
    {
        if (Matches(dir, options))
        {
            log($"base student: {dir} (fingerprint {options.Fingerprint()})");
            return LabStudent.Load(dir);
        }
        log($"base student: pretraining {options.Steps} + {options.RefineSteps} + {options.HabitSteps} steps on plain reasoning traces (once; saved to {dir})");
        var student = LabStudent.Create(options.Model, options.Seed);
        var plain = Phase(options, LabTeachers.BaseStyle, 0);
        var reasoning = Train(student, plain, options.Steps, options.LearningRate, options, "reasoning", log, ct);
        var refine = Train(student, plain, options.RefineSteps, options.RefineLearningRate, options, "refine", log, ct);
        var habit = Train(student, Phase(options, LabTeachers.HabitStyle, 1), options.HabitSteps, options.HabitLearningRate, options, "habit", log, ct);
        Save(student, dir, options, reasoning, refine, habit);
        return student;
    }

    /// <summary>Writes the checkpoint and its fingerprint file.</summary>
    private static void Save(LabStudent student, string dir, LabBaseOptions options, TrainReport reasoning, TrainReport refine, TrainReport habit)
    {
        Directory.CreateDirectory(dir);
        student.Save(dir);
        File.WriteAllText(Path.Combine(dir, FingerprintFile), JsonSerializer.Serialize(new
        {
            fingerprint = options.Fingerprint(), options,
            final_loss = new { reasoning = reasoning.Losses[^1], refine = refine.Losses[^1], habit = habit.Losses[^1] },
            seconds = new { reasoning = reasoning.Elapsed.TotalSeconds, refine = refine.Elapsed.TotalSeconds, habit = habit.Elapsed.TotalSeconds },
        }, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>One phase. Loss on the responses only: the question text is random digits, and predicting it would only
    /// spend capacity.</summary>
    private static TrainReport Train(LabStudent student, (string Prompt, string Response)[] corpus, int steps, double learningRate,
        LabBaseOptions options, string phase, Action<string> log, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int every = Math.Max(1, steps / 20);
        var report = student.Sft(corpus, new TrainOptions
        {
            Steps = steps, BatchSize = options.BatchSize, LearningRate = learningRate, Seed = options.Seed,
        }, ct, (step, loss) =>
        {
            if (step % every != 0 || step == steps) return;
            var left = clock.Elapsed * ((steps - step) / (double)step);
            log($"base student, {phase}: step {step}/{steps}, loss {loss:0.###}, about {left.TotalMinutes:0.#} min left");
        });
        log($"base student, {phase}: final loss {report.Losses[^1]:0.###} after {report.Elapsed.TotalSeconds:0}s");
        return report;
    }
}
