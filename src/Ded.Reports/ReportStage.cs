using System.Text.Json;

namespace Ded.Reports;

/// <summary>The paths <see cref="ReportStage.WriteAsync"/> wrote.</summary>
public sealed record ReportFiles(string Html, string Markdown);

/// <summary>
/// The last stage: reads a run's <c>metrics.json</c> and writes <c>report.html</c> (self-contained, for people)
/// and <c>report.md</c> (tables, for terminals) beside it.
/// </summary>
public static class ReportStage
{
    public const string MetricsFile = "metrics.json";
    public const string HtmlFile = "report.html";
    public const string MarkdownFile = "report.md";

    /// <summary>Writes both reports into <paramref name="runDirectory"/> and returns their paths.</summary>
    public static Task<ReportFiles> WriteAsync(string runDirectory, RunMetrics metrics, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        ArgumentNullException.ThrowIfNull(metrics);
        if (!Directory.Exists(runDirectory))
            throw new DirectoryNotFoundException($"run folder not found: {Path.GetFullPath(runDirectory)}");
        return WriteCore(Path.GetFullPath(runDirectory), metrics, ct);

        static async Task<ReportFiles> WriteCore(string dir, RunMetrics metrics, CancellationToken ct)
        {
            var files = new ReportFiles(Path.Combine(dir, HtmlFile), Path.Combine(dir, MarkdownFile));
            // Through a temporary file: a full disk leaves the previous report (or none), never half of one.
            await Runs.AtomicFile.WriteTextAsync(files.Html, HtmlReport.Render(metrics), ct);
            await Runs.AtomicFile.WriteTextAsync(files.Markdown, MarkdownReport.Render(metrics), ct);
            return files;
        }
    }

    /// <summary>Reads <c>metrics.json</c> from a run folder; errors name the file (and line) and say what to do.</summary>
    public static RunMetrics LoadMetrics(string runDirectory)
    {
        var path = Path.GetFullPath(Path.Combine(runDirectory, MetricsFile));
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path}: not found. Pass a run folder written by `ded run` or `ded lab` (they write {MetricsFile} when evaluation ends).", path);
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<RunMetrics>(stream, RunMetrics.Json)
                ?? throw new InvalidDataException($"{path}: holds null; expected a metrics object.");
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? $":{l + 1}" : "";
            throw new InvalidDataException(
                $"{path}{line}: not a valid metrics file ({e.Path}): {e.Message} Re-run the stage that writes it, or fix the field.", e);
        }
    }
}
