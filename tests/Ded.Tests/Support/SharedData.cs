using Xunit;

namespace Ded.Tests.Support;

/// <summary>Finds the repository root and the read-only shared data beside it (`../shared/data/`).</summary>
public static class SharedData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>`DED_SHARED_DATA` if set, else `../shared/data` next to the repository root.</summary>
    public static string Directory { get; } =
        Environment.GetEnvironmentVariable("DED_SHARED_DATA")
        ?? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    /// <summary>The full path of a shared file, or null when it is absent (tests then skip with a message).</summary>
    public static string? Find(string relativePath)
    {
        var path = Path.Combine(Directory, relativePath);
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// The full path of a shared file. When it is absent the calling test is skipped, naming the path (Xunit.SkippableFact:
    /// the test must be a [SkippableFact] or [SkippableTheory], so the run reports it as skipped, never as passed).
    /// </summary>
    public static string Require(string relativePath)
    {
        var path = Find(relativePath);
        Skip.If(path is null, $"shared test data missing: {System.IO.Path.Combine(Directory, relativePath)} (set DED_SHARED_DATA to its folder)");
        return path!;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ded.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Ded.sln not found above " + AppContext.BaseDirectory);
    }
}
