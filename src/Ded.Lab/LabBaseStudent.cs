using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ded.Student;
using Ded.Student.Training;

namespace Ded.Lab;

/// <summary>How the lab's base student is pretrained: reasoning traces in the plain style over every lab family, loss on the response.</summary>
public sealed record LabBaseOptions
{
    public TinyGptConfig Model { get; init; } = new() { BlockSize = 512 }; // the longest teacher trace at the evaluated difficulties fits
    public int Examples { get; init; } = 8000;      // distinct problems; the small families run out of distinct easy ones much past this
    public int MaxDifficulty { get; init; } = 5;     // the easy ones get learnt, the hard ones do not: room for distillation
    public int Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 2e-3;
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

    /// <summary>The pretraining corpus: each problem with one trace in the plain style (<see cref="LabTeachers.BaseStyle"/>).</summary>
    public static IReadOnlyList<(string Prompt, string Response)> Corpus(LabBaseOptions options) =>
        LabWorld.Pool(new LabPoolOptions
        {
            Families = LabWorld.Families, Count = options.Examples, MinDifficulty = 1, MaxDifficulty = options.MaxDifficulty,
            Seed = options.Seed + 1_000_000, // apart from the seeds the lab draws its train and eval pools with
        }).Select((p, i) => (p.Question, LabTeachers.Write(LabTeachers.BaseStyle, p.Question, options.Seed * 1_000_003 + i, options.Temperature))).ToArray();

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
        string fingerprintPath = Path.Combine(dir, FingerprintFile);
        if (Matches(dir, options))
        {
            log($"base student: {dir} (fingerprint {options.Fingerprint()})");
            return LabStudent.Load(dir);
        }
        log($"base student: pretraining {options.Steps} steps on {options.Examples} plain reasoning traces (once; saved to {dir})");
        var student = LabStudent.Create(options.Model, options.Seed);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int every = Math.Max(1, options.Steps / 20);
        // Loss on the responses only: the question text is random digits, and predicting it would only spend capacity.
        var report = student.Sft(Corpus(options), new TrainOptions
        {
            Steps = options.Steps, BatchSize = options.BatchSize, LearningRate = options.LearningRate, Seed = options.Seed,
        }, ct, (step, loss) =>
        {
            if (step % every != 0 || step == options.Steps) return;
            var left = clock.Elapsed * ((options.Steps - step) / (double)step);
            log($"base student: step {step}/{options.Steps}, loss {loss:0.###}, about {left.TotalMinutes:0.#} min left");
        });
        Directory.CreateDirectory(dir);
        student.Save(dir);
        File.WriteAllText(fingerprintPath, JsonSerializer.Serialize(new
        {
            fingerprint = options.Fingerprint(), options, final_loss = report.Losses[^1], seconds = report.Elapsed.TotalSeconds,
        }, new JsonSerializerOptions { WriteIndented = true }));
        log($"base student: final loss {report.Losses[^1]:0.###} after {report.Elapsed.TotalSeconds:0}s");
        return student;
    }
}
