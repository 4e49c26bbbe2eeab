using System.Globalization;

namespace Ded.Reports;

/// <summary>How DED's in-domain interval sits against its controls' intervals.</summary>
public enum DedVerdict
{
    /// <summary>DED's lower bound is above every control's upper bound.</summary>
    BeatControls,
    /// <summary>Some control's lower bound is above DED's upper bound.</summary>
    LostToControl,
    /// <summary>The intervals overlap: this run cannot order DED and its best control.</summary>
    NotSeparated,
    /// <summary>The run trained no controls (or no DED), so there is nothing to compare.</summary>
    NoComparison,
}

/// <summary>The two sentences the report's first screen leads with, computed from the numbers.</summary>
/// <param name="Teacher">Which teacher won the smoke test, against the naive (most accurate) choice.</param>
/// <param name="Ded">DED against its best control, with both intervals and the verdict.</param>
public sealed record ReportHeadline(string Teacher, string Ded, DedVerdict Verdict, string? BestControl)
{
    /// <summary>Both sentences from a run's metrics; sections the run did not perform say so.</summary>
    public static ReportHeadline From(RunMetrics metrics)
    {
        var (ded, verdict, best) = DedSentence(metrics.Conditions);
        return new ReportHeadline(TeacherSentence(metrics.SmokeTest), ded, verdict, best);
    }

    /// <summary>Where DED's interval sits against every control's (the first condition is DED).</summary>
    public static DedVerdict Compare(ScoreInterval ded, IEnumerable<ScoreInterval> controls)
    {
        var list = controls.ToList();
        if (list.Count == 0) return DedVerdict.NoComparison;
        if (list.All(c => ded.Low > c.High)) return DedVerdict.BeatControls;
        return list.Any(c => c.Low > ded.High) ? DedVerdict.LostToControl : DedVerdict.NotSeparated;
    }

    private static (string Sentence, DedVerdict Verdict, string? Best) DedSentence(IReadOnlyList<ConditionResult> conditions)
    {
        if (conditions.Count < 2)
            return ("DED vs controls: not measured in this run (no controls were trained).", DedVerdict.NoComparison, null);
        var ded = conditions[0];
        var controls = conditions.Skip(1).ToList();
        var best = controls.MaxBy(c => c.InDomain.Mean)!;
        var verdict = Compare(ded.InDomain, controls.Select(c => c.InDomain));
        var outcome = verdict switch
        {
            DedVerdict.BeatControls => "DED beat every control (intervals separated)",
            DedVerdict.LostToControl => LostPhrase(ded, controls),
            _ => "not separated by the intervals",
        };
        return ($"{ded.Name} {Format(ded.InDomain)} vs best control {best.Name} {Format(best.InDomain)}: {outcome}.",
            verdict, best.Name);
    }

    private static string LostPhrase(ConditionResult ded, IReadOnlyList<ConditionResult> controls)
    {
        var winners = controls.Where(c => c.InDomain.Low > ded.InDomain.High).Select(c => c.Name);
        return $"DED lost to {string.Join(", ", winners)} (intervals separated)";
    }

    private static string TeacherSentence(SmokeTest? smoke)
    {
        if (smoke is null || smoke.Teachers.Count == 0)
            return "Teacher smoke test: not run in this run.";
        var winner = smoke.Teachers.FirstOrDefault(t => t.Teacher == smoke.Winner)
            ?? throw new InvalidDataException($"metrics.json: smoke_test.winner '{smoke.Winner}' is not among smoke_test.teachers");
        var others = smoke.Teachers.Where(t => t != winner).ToList();
        var runnerUp = others.MaxBy(t => t.StudentScore.Mean);
        var worst = others.MinBy(t => t.StudentScore.Mean);
        var lead = $"Teacher smoke test: {winner.Teacher} won, its student scored {Format(winner.StudentScore)}";
        // Best against worst says whether the smoke test measured anything at all; best against runner-up, how sharply.
        var margin = runnerUp is null ? ""
            : Margin(winner, runnerUp, "runner-up") + (worst == runnerUp ? "" : Margin(winner, worst!, "the worst,"));
        // DED §2.1's finding: the most accurate teacher is not necessarily the best one to learn from.
        var naive = smoke.BenchmarkBest == winner.Teacher
            ? $"; it is also the most accurate teacher ({winner.TeacherAccuracy.ToString("0.00", CultureInfo.InvariantCulture)})."
            : $"; the most accurate teacher, {smoke.BenchmarkBest}, was not the best to learn from.";
        return lead + margin + naive;
    }

    private static string Margin(TeacherResult winner, TeacherResult other, string role) =>
        $", {(winner.StudentScore.Low > other.StudentScore.High ? "" : "not ")}separated from {role} {other.Teacher} {Format(other.StudentScore)}";

    /// <summary>"0.41 [0.35, 0.47]": the form every score takes in the report.</summary>
    public static string Format(ScoreInterval s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Mean:0.00} [{s.Low:0.00}, {s.High:0.00}]");
}
