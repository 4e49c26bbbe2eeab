using System.CommandLine;
using System.Text.Json;
using Ded.Cli.Commands;
using Ded.Reports;
using Xunit;

namespace Ded.Tests.Reports;

public sealed class ReportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ded-report-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Report_command_writes_both_files_and_prints_their_paths()
    {
        var dir = _dir;
        await File.WriteAllTextAsync(Path.Combine(dir, "metrics.json"), JsonSerializer.Serialize(ReportFixtures.DedWins(), RunMetrics.Json));
        var (rc, output, error) = await InvokeAsync("report", dir);
        Assert.Equal(0, rc);
        Assert.Equal("", error);
        Assert.Equal([Path.Combine(dir, "report.html"), Path.Combine(dir, "report.md")], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(File.Exists(Path.Combine(dir, "report.html")));
    }

    [Fact]
    public async Task Report_command_on_a_folder_without_metrics_says_which_file_is_missing()
    {
        var dir = _dir;
        var (rc, output, error) = await InvokeAsync("report", dir);
        Assert.Equal(2, rc);
        Assert.Equal("", output);
        Assert.StartsWith($"ded report: {Path.Combine(dir, "metrics.json")}: not found.", error);
    }

    private static async Task<(int Rc, string Output, string Error)> InvokeAsync(params string[] args)
    {
        var root = new RootCommand { ReportCommand.Create() };
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var rc = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (rc, output.ToString(), error.ToString());
    }
}
