using Xunit;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ded.Reports;
using Ded.Tests.Support;
using Xunit.Abstractions;

namespace Ded.Tests.Reports;

/// <summary>A [Fact] that skips, saying how to install it, where Debian's chromium is absent (.ci/run installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.FindExecutable() is null)
            Skip = "chromium is not installed: `apt-get install -y chromium` (.ci/run does this) to run the headless report test";
    }
}

public sealed class ReportBrowserTests(ITestOutputHelper output)
{
    /// <summary>
    /// The report of DED_REPORT_RUN (a run folder with metrics.json, e.g. from `./ded lab --quick`) when set,
    /// else of the fixture, opened in headless Chromium as a reader would; report.png lands in the run folder.
    /// </summary>
    [ChromiumFact]
    public async Task Report_opens_in_chromium_with_images_no_errors_and_a_working_browser()
    {
        var (runDir, metrics) = RunUnderTest();
        await CheckInChromiumAsync(runDir, metrics, output);
    }

    /// <summary>
    /// Writes the run's report and opens it in headless Chromium as a reader would: every image loads, no console
    /// error, the trajectory browser opens an entry, no network request; report.png lands in the run folder.
    /// </summary>
    internal static async Task CheckInChromiumAsync(string runDir, RunMetrics metrics, ITestOutputHelper output)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        var files = await ReportStage.WriteAsync(runDir, metrics, ct);

        await using var chromium = await HeadlessChromium.StartAsync(1366, 900, ct);
        await chromium.NavigateAsync(new Uri(files.Html).AbsoluteUri, ct);

        var images = (await chromium.EvaluateAsync(
            "Array.from(document.images).map(i => ({src: i.src.slice(0, 30), ok: i.complete && i.naturalWidth > 0}))", ct))!.AsArray();
        Assert.NotEmpty(images);
        Assert.All(images, i => Assert.True(i!["ok"]!.GetValue<bool>(), $"image did not load: {i["src"]}"));
        Assert.All(images, i => Assert.StartsWith("data:image/svg+xml", i!["src"]!.GetValue<string>()));

        var first = await chromium.EvaluateAsync("document.querySelector('.traj-list button').dataset.target", ct);
        await chromium.ClickAsync(".traj-list button", ct);
        var shown = (await chromium.EvaluateAsync(
            "Array.from(document.querySelectorAll('.traj-detail')).filter(d => !d.hidden && d.offsetHeight > 0)" +
            ".map(d => ({id: d.id, answers: d.querySelectorAll('.answer pre').length, matrix: d.querySelectorAll('table.matrix tbody tr').length}))", ct))!.AsArray();
        var detail = Assert.Single(shown)!;
        Assert.Equal(first!.GetValue<string>(), detail["id"]!.GetValue<string>());
        Assert.True(detail["answers"]!.GetValue<int>() > 0, "the opened entry shows no answers");

        await File.WriteAllBytesAsync(Path.Combine(runDir, "report.png"), await chromium.ScreenshotAsync(fullPage: false, ct), ct);
        await File.WriteAllBytesAsync(Path.Combine(runDir, "report-full.png"), await chromium.ScreenshotAsync(fullPage: true, ct), ct);
        output.WriteLine($"screenshot: {Path.Combine(runDir, "report.png")}");
        Assert.Empty(chromium.Errors);
        // Self-contained: the page itself is the only file fetched; charts are data: URIs, nothing goes to a network.
        Assert.All(chromium.RequestedUrls, url => Assert.True(url.StartsWith("file:") || url.StartsWith("data:"), $"network request: {url}"));
    }

    private static (string RunDir, RunMetrics Metrics) RunUnderTest()
    {
        if (Environment.GetEnvironmentVariable("DED_REPORT_RUN") is { Length: > 0 } run)
            return (run, ReportStage.LoadMetrics(run));
        // A stable folder (not a temp one) so the screenshot can be looked at after the test; it holds metrics.json
        // like a real run folder, so `ded report` works on it too.
        var dir = Path.Combine(AppContext.BaseDirectory, "report-fixture-run");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, ReportStage.MetricsFile), JsonSerializer.Serialize(ReportFixtures.DedWins(), RunMetrics.Json));
        return (dir, ReportStage.LoadMetrics(dir));
    }
}
