using Ded.Lab;
using Ded.Reports;
using Ded.Student;
using Ded.Tests.Reports;
using Ded.Tests.Spine;
using Ded.Tests.Student;
using Ded.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Ded.Tests.Lab;

/// <summary>`ded lab --quick` as a newcomer runs it: a real process, the shipped base student, the report.</summary>
[Collection(TorchCollection.Name)]
public class LabQuickRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task QuickLabRunsEndToEndAndItsReportHoldsEverySection()
    {
        // A stale shipped base would be pretrained here (many minutes): say what to run instead.
        Assert.True(LabBaseStudent.Matches(Path.Combine(SharedData.RepoRoot, "lab", "base-student"), new LabBaseOptions()),
            "lab/base-student does not match LabBaseOptions and the lab families: rebuild it with `./ded lab pretrain` and commit it");
        using var dir = new TempDir();
        var folder = dir.File("lab-quick");
        using var process = global::Ded.Tests.Spine.Spine.StartCli("lab", "--quick", "--out", folder);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // a run left behind would keep training after the test is gone
            Assert.Fail($"ded lab --quick ran past 8 minutes (budget: 2 on idle cores); output so far:\n{await stdout}");
        }
        output.WriteLine(await stdout);
        Assert.True(process.ExitCode == 0, await stderr);

        string printed = await stdout;
        Assert.Contains("Teacher smoke test:", printed);
        Assert.Contains($"report: {Path.Combine(folder, "report.html")}", printed);
        var metrics = ReportStage.LoadMetrics(folder);
        Assert.Equal(LabRecipe.QuickTeachers, metrics.SmokeTest!.Teachers.Select(t => t.Teacher));
        Assert.Equal(8, metrics.Conditions.Count); // DED, six controls, the negative control
        Assert.All(metrics.Conditions, c => Assert.True(c.Samples > 0, c.Name));
        // One seed: the run says plainly that it has no power, and no claim gets a verdict.
        Assert.Equal(TestbedStatus.NoPower, metrics.Testbed!.Status);
        Assert.Contains("Testbed has no power: one training seed", printed);
        Assert.All(metrics.Claims, c => Assert.Equal(ClaimVerdict.Untestable, c.Verdict));
        Assert.NotEmpty(metrics.LossCurves);

        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.StartsWith("# Testbed has no power", report);
        foreach (var section in new[] { "testbed", "smoke test", "controls", "out-of-domain", "training loss", "claims" })
            Assert.Contains(section, report, StringComparison.OrdinalIgnoreCase);
        foreach (var teacher in metrics.SmokeTest.Teachers)
            Assert.Contains(teacher.Teacher, report);
        foreach (var claim in metrics.Claims)
            Assert.Contains(claim.Claim, report);
        Assert.True(File.Exists(Path.Combine(folder, "exports", "ded_lab.trl.jsonl")));

        if (HeadlessChromium.FindExecutable() is not null)
            await ReportBrowserTests.CheckInChromiumAsync(folder, metrics, output);
    }
}
