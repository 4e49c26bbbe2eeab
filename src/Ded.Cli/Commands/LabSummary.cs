using Ded.Display;
using Ded.Reports;

namespace Ded.Cli.Commands;

/// <summary>The one table `ded lab` prints: the smoke test, DED against its controls, and the claims.</summary>
internal static class LabSummary
{
    public static void Print(TextWriter output, RunMetrics metrics)
    {
        var headline = ReportHeadline.From(metrics);
        output.WriteLine();
        if (metrics.Testbed is { } testbed)
        {
            output.WriteLine(TerminalText.Line($"Testbed {ReportFormat.TestbedWord(testbed.Status)}: {testbed.Summary}"));
            foreach (var c in testbed.Controls)
                output.WriteLine(TerminalText.Line($"  {c.Name} control: {c.Expectation}: {ReportFormat.Signed(c.Difference.Mean)} [{ReportFormat.Signed(c.Difference.Low)}, {ReportFormat.Signed(c.Difference.High)}] {(c.IsPassed ? "holds" : "FAILS")}"));
            output.WriteLine(TerminalText.Line($"  power: {testbed.PowerNote}"));
            output.WriteLine();
        }
        output.WriteLine(TerminalText.Line(headline.Teacher));
        output.WriteLine(TerminalText.Line(headline.Ded));
        output.WriteLine();
        if (metrics.SmokeTest is { } smoke)
        {
            output.WriteLine($"{"teacher",-13} {"student in-domain (95% CI)",-28} {"rank",4} {"own acc",8} {"length",7} {"entropy",8} {"loss",6} {"RSR",6}");
            foreach (var t in smoke.Teachers.OrderBy(t => t.Rank))
                output.WriteLine($"{TerminalText.Line(t.Teacher),-13} {ReportFormat.Score(t.StudentScore),-28} {t.Rank,4} {ReportFormat.Fraction(t.TeacherAccuracy),8} " +
                                 $"{ReportFormat.Number(t.MeanResponseLength, "0"),7} {ReportFormat.Number(t.TokenEntropyBits, "0.000"),8} {ReportFormat.Number(t.StudentLossNats, "0.000"),6} " +
                                 $"{ReportFormat.Number(t.RankSurprisalRatio, "0.00"),6}");
            output.WriteLine();
            foreach (var s in smoke.SignalCorrelations)
                output.WriteLine(TerminalText.Line($"  Spearman {ReportFormat.Number(s.Spearman, "+0.00;-0.00;0.00")} {ReportFormat.RhoInterval(s)} over {s.Teachers} teachers: {s.Signal}"));
            output.WriteLine();
        }
        output.WriteLine($"{"condition",-24} {"samples",7} {"in-domain avg@k (95% CI)",-26} {"out-of-domain",-26} {"trunc",6} {"no-ans",6}");
        foreach (var c in metrics.BaseStudent is { } b ? [b, .. metrics.Conditions] : metrics.Conditions)
            output.WriteLine($"{TerminalText.Line(c.Name),-24} {c.Samples,7} {ReportFormat.Score(c.InDomain),-26} {ReportFormat.Score(c.OutOfDomain),-26} " +
                             $"{ReportFormat.Percent(c.TruncationRate),6} {ReportFormat.Percent(c.NoAnswerRate),6}");
        output.WriteLine();
        foreach (var claim in metrics.Claims)
            output.WriteLine($"{ReportFormat.Verdict(claim.Verdict),-13} {TerminalText.Line(claim.Claim)}: {TerminalText.Line(claim.Measured)}");
        output.WriteLine();
    }
}
