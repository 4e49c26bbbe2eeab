using System.Diagnostics;

namespace Ded.Data.Engines;

/// <summary>Runs an engine's command, inheriting the console.</summary>
public static class EngineLauncher
{
    /// <summary>Runs <paramref name="config"/>'s command and returns its exit code.</summary>
    /// <exception cref="FileNotFoundException">The executable is not on PATH; the message says what to install.</exception>
    public static async Task<int> LaunchAsync(EngineConfig config, CancellationToken ct)
    {
        var executable = FindOnPath(config.Executable) ?? throw new FileNotFoundException(
            $"{config.Executable} is not on PATH: install it (LLaMA-Factory: pip install llamafactory; TRL: pip install trl) " +
            $"or run the printed command where it is installed: {config.CommandLine}", config.Executable);
        var start = new ProcessStartInfo(executable) { UseShellExecute = false };
        foreach (var a in config.Arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync(ct);
        return process.ExitCode;
    }

    internal static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
