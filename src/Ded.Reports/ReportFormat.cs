using System.Globalization;

namespace Ded.Reports;

/// <summary>How numbers read in both report formats: scores and fractions to two decimals, rates as percents.</summary>
public static class ReportFormat
{
    public static string Score(ScoreInterval? s) => s is null ? "–" : ReportHeadline.Format(s);
    public static string Score(ScoreInterval? s, string? empty) => s is null ? empty ?? "–" : ReportHeadline.Format(s);
    public static string Fraction(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
    public static string Signed(double value) => value.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);
    public static string Percent(double value) => (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);
    public static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
    public static string Seeds(IReadOnlyList<double> perSeed) => string.Join(" / ", perSeed.Select(Fraction));

    /// <summary>The control's in-domain interval against DED's, in words.</summary>
    public static string AgainstDed(ScoreInterval ded, ScoreInterval control) =>
        ReportHeadline.Compare(ded, [control]) switch
        {
            DedVerdict.BeatControls => "DED above",
            DedVerdict.LostToControl => "control above",
            _ => "overlap",
        };

    public static string Verdict(ClaimVerdict verdict) => verdict switch
    {
        ClaimVerdict.Supported => "supported",
        ClaimVerdict.Contradicted => "contradicted",
        _ => "inconclusive",
    };

    /// <summary>Funnel steps as (label, removed) pairs, in the order curation applies them.</summary>
    public static IReadOnlyList<(string Label, int Removed)> QuestionSteps(Funnel f) =>
        [("contaminated", f.Contaminated), ("duplicates", f.Duplicates), ("no correct answer", f.NoCorrectAnswer), ("too easy", f.TooEasy)];

    public static IReadOnlyList<(string Label, int Removed)> TrajectorySteps(Funnel f) =>
        [("truncated", f.Truncated), ("badly formed", f.BadlyFormed), ("wrong", f.Wrong)];

    /// <summary>Said when a funnel's steps do not account for its ends: a curation count is missing or double-counted.</summary>
    public static string FunnelGap(string first, int remaining, string last, int kept) =>
        $"Counts do not add up: {first} minus the steps leaves {Count(remaining)}, but {Count(kept)} are {last}.";

    /// <summary>The request attempts in one sentence, saying plainly when samples are missing.</summary>
    public static string RequestLine(RequestMetrics r) =>
        $"{Count(r.Attempts)} attempts: {Count(r.Answered)} answered, {Count(r.Retried)} retried, {Count(r.Failed)} failed, {Count(r.Abandoned)} abandoned by a killed run and resent."
        + (r.SamplesMissing > 0 ? $" {Count(r.SamplesMissing)} samples are missing: their requests failed (causes below); run the same command again to retry them." : "");

    public static IReadOnlyList<string> RequestHead { get; } = ["outcome", "cause", "HTTP", "attempts", "what to do", "latest error"];

    public static IEnumerable<string[]> RequestRows(RequestMetrics r) => r.Causes.Select(c => new[]
    {
        c.Outcome, c.Cause, c.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-", Count(c.Count), c.Advice, c.Latest,
    });

    /// <summary>Histograms grouped by title, in first-seen order: one chart per quantity, one series per teacher or corpus.</summary>
    public static IReadOnlyList<IGrouping<string, Histogram>> HistogramGroups(IReadOnlyList<Histogram> histograms) =>
        histograms.Where(h => h.Values.Count > 0).GroupBy(h => h.Title).ToList();
}
