namespace Ded.Lab;

/// <summary>Where the lab's files live: its recipe and the shipped base student, found from the running binary.</summary>
public static class LabBase
{
    /// <summary>The shipped base when it matches the options, else the per-user cache (pretrained there once).</summary>
    public static Student.LabStudent LoadOrPretrain(LabBaseOptions options, Action<string> log, CancellationToken ct) =>
        LabBaseStudent.LoadOrPretrain(StudentFolder(options), options, log, ct);

    /// <summary>The shipped checkpoint when it matches the options; else a per-user cache (pretrained once, about a minute).</summary>
    public static string StudentFolder(LabBaseOptions options)
    {
        string shipped = ShippedFolder();
        if (LabBaseStudent.Matches(shipped, options)) return shipped;
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "ded", "lab-base-" + options.Fingerprint());
    }

    public static string ShippedFolder() => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(RecipePath())!)!, "lab", "base-student");

    /// <summary>recipes/lab.yaml of the repository this binary was built in.</summary>
    public static string RecipePath() => FindInRepository(Path.Combine("recipes", "lab.yaml"));

    /// <summary>A file of the repository this binary was built in (searched upwards from the binary).</summary>
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
