using System.Text;
using static Ded.Reports.ReportFormat;

namespace Ded.Reports;

/// <summary>report.md: the same numbers as report.html as plain tables, for terminals and diffs. Every text in it passes
/// <see cref="MarkdownText.Inline"/>: names, questions and claims render as written, and no escape sequence or markup
/// from them gets through.</summary>
internal static class MarkdownReport
{
    public static string Render(RunMetrics m)
    {
        var headline = ReportHeadline.From(m);
        var md = new StringBuilder(16 * 1024);
        md.AppendLine(TitleLine(m)).AppendLine()
          .AppendLine(MarkdownText.Inline(HtmlReport.RunLine(m.Run))).AppendLine()
          .AppendLine($"**{MarkdownText.Inline(headline.Teacher)}**").AppendLine()
          .AppendLine($"**{MarkdownText.Inline(headline.Ded)}**").AppendLine();
        AppendTestbed(md, m.Testbed);
        AppendRecipe(md, m);
        AppendSmoke(md, m.SmokeTest);
        AppendSelectTeacher(md, m.SelectTeacher);
        AppendControls(md, m.Conditions);
        AppendDomains(md, m);
        AppendScaling(md, m.Conditions);
        AppendHistograms(md, m.Histograms);
        AppendLossCurves(md, m.LossCurves);
        AppendClaims(md, m.Claims);
        AppendSelected(md, m.Selected);
        return md.ToString();
    }

    /// <summary>The report's first line: the run, and where the lab judged its testbed, whether it passed.</summary>
    internal static string TitleLine(RunMetrics m) => m.Testbed is { } t
        ? $"# Testbed {TestbedWord(t.Status)}: {MarkdownText.Inline(m.Run.Name)} ({t.Summary})"
        : $"# DED run report: {MarkdownText.Inline(m.Run.Name)}";

    private static void AppendTestbed(StringBuilder md, Testbed? t)
    {
        if (t is null) return;
        md.AppendLine("## Testbed: controls and power").AppendLine();
        Table(md, ["control", "difference", "95% interval", "holds"], t.Controls.Select(c => new[]
        {
            c.Name, c.Expectation, $"{Signed(c.Difference.Mean)} [{Signed(c.Difference.Low)}, {Signed(c.Difference.High)}]", c.IsPassed ? "yes" : "NO",
        }));
        md.AppendLine($"Power: {t.PowerNote}.").AppendLine();
    }

    private static void AppendLossCurves(StringBuilder md, IReadOnlyList<LossCurve> curves)
    {
        md.AppendLine("## Training loss").AppendLine();
        if (curves.Count == 0)
        {
            md.AppendLine("No fine-tunes in this run.").AppendLine();
            return;
        }
        md.AppendLine("SFT loss per target token (nats) at the first step, a quarter, half and three quarters of the way, and the last step.").AppendLine();
        double[] at = [0, 0.25, 0.5, 0.75, 1];
        Table(md, ["corpus", "seed", "steps", "first", "25%", "50%", "75%", "last"], curves.Where(c => c.Losses.Count > 0).Select(c => (string[])
        [
            c.Corpus, c.Seed.ToString(), Count(c.Losses.Count), .. at.Select(f => Number(c.Losses[(int)Math.Round(f * (c.Losses.Count - 1))], "0.000")),
        ]));
    }

    private static void AppendRecipe(StringBuilder md, RunMetrics m)
    {
        md.AppendLine("## Recipe and settings").AppendLine();
        Table(md, ["setting", "value"], m.Run.Settings.Select(kv => new[] { kv.Key, kv.Value }));
        md.AppendLine("## Funnel").AppendLine();
        if (m.Funnel is not { } f)
        {
            md.AppendLine("This run did no curation.").AppendLine();
            return;
        }
        var rows = new List<string[]> { new[] { "questions in", "", Count(f.QuestionsIn) } };
        rows.AddRange(QuestionSteps(f).Select(s => new[] { "", s.Label, "-" + Count(s.Removed) }));
        rows.Add(["questions kept", "", Count(f.QuestionsKept)]);
        rows.Add(["trajectories sampled", "", Count(f.TrajectoriesSampled)]);
        rows.AddRange(TrajectorySteps(f).Select(s => new[] { "", s.Label, "-" + Count(s.Removed) }));
        rows.Add(["trajectories selected", "", Count(f.Selected)]);
        Table(md, ["stage", "removed by", "count"], rows);
        var questionsLeft = f.QuestionsIn - QuestionSteps(f).Sum(s => s.Removed);
        if (questionsLeft != f.QuestionsKept)
            md.AppendLine(MarkdownText.Inline(FunnelGap("questions in", questionsLeft, "kept", f.QuestionsKept))).AppendLine();
        foreach (var warning in f.Warnings) md.AppendLine("**Warning:** " + MarkdownText.Inline(warning)).AppendLine();
        if (m.Requests is not { } r) return;
        md.AppendLine("## Teacher requests").AppendLine();
        md.AppendLine(MarkdownText.Inline(RequestLine(r))).AppendLine();
        if (r.Causes.Count > 0) Table(md, RequestHead, RequestRows(r));
    }

    private static void AppendSmoke(StringBuilder md, SmokeTest? smoke)
    {
        md.AppendLine("## Teacher smoke test").AppendLine();
        if (smoke is null || smoke.Teachers.Count == 0)
        {
            md.AppendLine("Not run in this run.").AppendLine();
            return;
        }
        Table(md, ["rank", "teacher", "student in-domain", "student OOD", "teacher acc.", "mean length", "entropy (bits)", "loss (nats)", "RSR"],
            smoke.Teachers.OrderBy(t => t.Rank).Select(t => new[]
            {
                t.Rank.ToString(), t.Teacher + (t.Teacher == smoke.Winner ? " (winner)" : "") + (t.Teacher == smoke.BenchmarkBest ? " (most accurate)" : ""),
                Score(t.StudentScore), Score(t.StudentOutOfDomain), Fraction(t.TeacherAccuracy), Number(t.MeanResponseLength, "0"),
                Number(t.TokenEntropyBits, "0.000"), Number(t.StudentLossNats, "0.000"), Number(t.RankSurprisalRatio, "0.000"),
            }));
        if (smoke.SignalCorrelations.Count > 0)
            Table(md, ["cheap signal", "Spearman vs smoke test", "95% interval", "teachers", "picks", "agrees"], smoke.SignalCorrelations.Select(s => new[]
            {
                s.Signal, Number(s.Spearman, "+0.00;-0.00;0.00"), RhoInterval(s), s.Teachers.ToString(), s.PicksTeacher ?? "-",
                s.PicksTeacher is null ? "-" : s.PicksTeacher == smoke.Winner ? "yes" : "no",
            }));
    }

    private static void AppendSelectTeacher(StringBuilder md, TeacherSelection.SelectionOutcome? outcome)
    {
        if (outcome is null) return; // a lab or curation run: the smoke test section above covers it
        md.AppendLine("## " + TeacherSelectionSection.Title).AppendLine();
        Table(md, TeacherSelectionSection.Head, TeacherSelectionSection.Rows(outcome));
        foreach (var line in TeacherSelectionSection.Lines(outcome)) md.AppendLine(MarkdownText.Inline(line)).AppendLine();
    }

    private static void AppendControls(StringBuilder md, IReadOnlyList<ConditionResult> conditions)
    {
        md.AppendLine("## DED vs controls").AppendLine();
        if (conditions.Count == 0)
        {
            md.AppendLine("No conditions were trained in this run.").AppendLine();
            return;
        }
        var ded = conditions[0].InDomain;
        Table(md, ["condition", "samples", "in-domain", "vs DED", "majority@k", "pass@k", "truncated", "no answer", "per seed"],
            conditions.Select((c, i) => new[]
            {
                c.Name, Count(c.Samples), Score(c.InDomain), i == 0 ? "-" : AgainstDed(ded, c.InDomain),
                Score(c.MajorityInDomain), Score(c.PassAtKInDomain), Percent(c.TruncationRate), Percent(c.NoAnswerRate), Seeds(c.PerSeedInDomain),
            }));
    }

    private static void AppendDomains(StringBuilder md, RunMetrics m)
    {
        md.AppendLine("## In-domain vs out-of-domain").AppendLine();
        if (m.Conditions.Count == 0)
        {
            md.AppendLine("No conditions were trained in this run.").AppendLine();
            return;
        }
        var rows = m.Conditions.Select(c => new[]
        {
            c.Name, Score(c.InDomain), Score(c.OutOfDomain),
            m.BaseStudent is null ? "-" : Signed(c.InDomain.Mean - m.BaseStudent.InDomain.Mean),
            m.BaseStudent is null ? "-" : Signed(c.OutOfDomain.Mean - m.BaseStudent.OutOfDomain.Mean),
        }).ToList();
        if (m.BaseStudent is { } b)
            rows.Add(["base student", Score(b.InDomain), Score(b.OutOfDomain), "0.00", "0.00"]);
        Table(md, ["condition", "in-domain", "out-of-domain", "delta in vs base", "delta out vs base"], rows);
    }

    private static void AppendScaling(StringBuilder md, IReadOnlyList<ConditionResult> conditions)
    {
        md.AppendLine("## Score vs corpus size").AppendLine();
        if (conditions.Count > 0)
            Table(md, ["condition", "samples", "in-domain"], conditions.OrderBy(c => c.Samples).Select(c => new[] { c.Name, Count(c.Samples), Score(c.InDomain) }));
        md.AppendLine(MarkdownText.Inline($"{PaperReference.Caption} (student before distillation: {Number(PaperReference.BaseAime24, "0.00")}):")).AppendLine();
        Table(md, ["paper corpus", "samples", "AIME24 (%)"], PaperReference.Points.Select(p => new[] { p.Label, Count(p.Samples), Number(p.Aime24, "0.00") }));
    }

    private static void AppendHistograms(StringBuilder md, IReadOnlyList<Histogram> histograms)
    {
        md.AppendLine("## Lengths and entropy").AppendLine();
        if (histograms.Count == 0)
        {
            md.AppendLine("No histograms in this run.").AppendLine();
            return;
        }
        Table(md, ["quantity", "series", "unit", "n", "mean", "median", "min", "max"], histograms.Where(h => h.Values.Count > 0).Select(h => new[]
        {
            h.Title, h.Series, h.Unit, Count(h.Count ?? h.Values.Count), Number(h.Values.Average(), "0.###"), Number(ReportCharts.Median(h.Values), "0.###"),
            Number(h.Values.Min(), "0.###"), Number(h.Values.Max(), "0.###"),
        }));
    }

    private static void AppendClaims(StringBuilder md, IReadOnlyList<ClaimCheck> claims)
    {
        md.AppendLine("## Claims").AppendLine();
        if (claims.Count == 0)
        {
            md.AppendLine("No claims were checked in this run.").AppendLine();
            return;
        }
        Table(md, ["verdict", "claim", "paper", "this run"], claims.Select(c => new[] { Verdict(c.Verdict).ToUpperInvariant(), c.Claim, c.Paper, c.Measured }));
    }

    private static void AppendSelected(StringBuilder md, IReadOnlyList<SelectedQuestion> selected)
    {
        md.AppendLine("## Selected trajectories").AppendLine();
        if (selected.Count == 0)
        {
            md.AppendLine("None sampled for this report.").AppendLine();
            return;
        }
        md.AppendLine("Open report.html to read them side by side.").AppendLine();
        Table(md, ["question", "chosen", "teachers", "mean distance", "question text"], selected.Select(q => new[]
        {
            q.QuestionId, q.Chosen.Count.ToString(), string.Join(", ", q.Chosen.Select(c => c.Teacher).Distinct()),
            MeanOffDiagonal(q), HtmlReport.Shorten(q.Question, 60),
        }));
    }

    private static string MeanOffDiagonal(SelectedQuestion q)
    {
        var n = q.Chosen.Count;
        if (n < 2 || q.Distances.Count != n * n) return "-";
        var off = Enumerable.Range(0, n * n).Where(i => i / n != i % n).Select(i => (double)q.Distances[i]);
        return Number(off.Average(), "0");
    }

    /// <summary>A pipe table; every cell is one escaped inline run, so rows stay rows.</summary>
    private static void Table(StringBuilder md, IReadOnlyList<string> head, IEnumerable<string[]> rows)
    {
        md.Append("| ").AppendJoin(" | ", head.Select(MarkdownText.Inline)).AppendLine(" |");
        md.Append('|').AppendJoin("|", head.Select(_ => "---")).AppendLine("|");
        foreach (var row in rows)
            md.Append("| ").AppendJoin(" | ", row.Select(MarkdownText.Inline)).AppendLine(" |");
        md.AppendLine();
    }
}
