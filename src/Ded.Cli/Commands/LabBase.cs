using Ded.Evaluation;
using Ded.Lab;
using Ded.Recipes;
using Ded.Runs;
using Ded.Selection;
using Ded.Student;
using Ded.Training;

namespace Ded.Cli.Commands;

/// <summary>Where the lab's base student lives, and the student services a lab recipe needs.</summary>
internal static class LabBase
{
    /// <summary>With compression on, the recipe student's pass rates (else the services unchanged).</summary>
    public static CurationServices WithStudent(CurationServices services, Recipe recipe, CancellationToken ct)
    {
        if (!recipe.Compression.Enabled) return services;
        var sampling = new EvaluationOptions();
        return services with
        {
            PassRates = new StudentPassRates(Student(recipe.Student, services.Log, ct), LabAnswers.Grade, new SampleOptions
            {
                Temperature = sampling.Temperature, TopP = sampling.TopP, MaxNewTokens = sampling.MaxNewTokens, Seed = (int)recipe.Sampling.Seed,
            }),
        };
    }

    /// <summary>The recipe's student: served, a given lab checkpoint, or the shipped (or cached) lab base.</summary>
    private static IStudent Student(StudentSpec spec, Action<string> log, CancellationToken ct)
    {
        // A served student is sampled with the lab's prompt format (ded serve --checkpoint applies it to chat, and
        // scoring sends it as text). Its answers are graded with LabAnswers.Grade, which fits lab questions; other
        // recipes grade through their verifier once the compression stage takes one.
        if (spec.Endpoint is not null) return new EndpointStudent(spec.Endpoint, LabStudent.FormatPrompt);
        // One libtorch thread, as `ded serve --checkpoint` uses by default, so the two sample alike.
        if (spec.Checkpoint is not null) return LabStudent.Load(spec.Checkpoint, threads: 1);
        var options = new LabBaseOptions();
        return LabBaseStudent.LoadOrPretrain(StudentFolder(options), options, log, ct);
    }

    /// <summary>The shipped checkpoint when it matches the options; else a per-user cache (pretrained once, about a minute).</summary>
    public static string StudentFolder(LabBaseOptions options)
    {
        string shipped = ShippedFolder();
        if (LabBaseStudent.Matches(shipped, options)) return shipped;
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "ded", "lab-base-" + options.Fingerprint());
    }

    public static string ShippedFolder() => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(FindInRepository(Path.Combine("recipes", "lab.yaml")))!)!, "lab", "base-student");

    /// <summary>A file of the repository this CLI was built in (searched upwards from the binary).</summary>
    public static string FindInRepository(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"{relative} not found above {AppContext.BaseDirectory}; run ded from its repository");
    }
}
