using System.CommandLine;
using Ded.Reports;

namespace Ded.Cli.Commands;

/// <summary>`ded report RUN`: (re)writes report.html and report.md from the run folder's metrics.json.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var run = new Argument<DirectoryInfo>("run") { Description = "The run folder (holds metrics.json)." };
        var command = new Command("report", "Write report.html (self-contained) and report.md from a run's metrics.json.") { run };
        command.SetAction(async (parse, ct) =>
        {
            var dir = parse.GetValue(run)!.FullName;
            try
            {
                var files = await ReportStage.WriteAsync(dir, ReportStage.LoadMetrics(dir), ct);
                parse.InvocationConfiguration.Output.WriteLine(files.Html);
                parse.InvocationConfiguration.Output.WriteLine(files.Markdown);
                return 0;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or Runs.RunStoreException)
            {
                // The user can fix these (wrong folder, unfinished run, edited file): say what, without a stack trace.
                parse.InvocationConfiguration.Error.WriteLine($"ded report: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
