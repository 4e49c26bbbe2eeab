using System.Text;
using static System.Net.WebUtility;
using static Ded.Reports.ReportFormat;

namespace Ded.Reports;

/// <summary>
/// report.html: one self-contained page (inline CSS, charts as data: URI SVG images, a few lines of inline JS for
/// the trajectory browser), so it opens from a copied run folder with no network. The first screen holds the two
/// headline sentences and the two charts that answer them.
/// </summary>
internal static class HtmlReport
{
    public static string Render(RunMetrics m)
    {
        var headline = ReportHeadline.From(m);
        var html = new StringBuilder(64 * 1024);
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append($"<title>DED run report: {HtmlEncode(m.Run.Name)}</title><style>{Css}</style></head><body>\n");
        AppendHeader(html, m, headline);
        AppendNav(html);
        AppendTestbed(html, m.Testbed);
        AppendRecipe(html, m);
        AppendSmoke(html, m.SmokeTest);
        AppendSelectTeacher(html, m.SelectTeacher);
        AppendControls(html, m);
        AppendDomains(html, m);
        AppendScaling(html, m);
        AppendHistograms(html, m.Histograms);
        AppendLossCurves(html, m.LossCurves);
        AppendClaims(html, m.Claims);
        AppendBrowser(html, m.Selected);
        html.Append("<script>").Append(Script).Append("</script>\n</body></html>\n");
        return html.ToString();
    }

    private static void AppendHeader(StringBuilder html, RunMetrics m, ReportHeadline headline)
    {
        var verdictClass = headline.Verdict switch
        {
            DedVerdict.BeatControls => "good",
            DedVerdict.LostToControl => "bad",
            _ => "neutral",
        };
        html.Append("<header><h1>").Append(HtmlEncode(MarkdownReport.TitleLine(m).TrimStart('#', ' '))).Append("</h1>")
            .Append("<p class=\"meta\">").Append(HtmlEncode(RunLine(m.Run))).Append("</p>")
            .Append("<div class=\"headline\"><p id=\"headline-teacher\" class=\"neutral\">").Append(HtmlEncode(headline.Teacher)).Append("</p>")
            .Append($"<p id=\"headline-ded\" class=\"{verdictClass}\">").Append(HtmlEncode(headline.Ded)).Append("</p></div>")
            .Append("<div class=\"glance\">");
        if (m.SmokeTest is { Teachers.Count: > 0 } smoke)
            AppendChart(html, ReportCharts.SmokeTest(smoke, 600, 330));
        if (m.Conditions.Count > 0)
            AppendChart(html, ReportCharts.Conditions(m.Conditions, m.BaseStudent, 600, 330));
        html.Append("</div></header>\n");
    }

    private static void AppendTestbed(StringBuilder html, Testbed? t)
    {
        if (t is null) return;
        string cls = t.Status == TestbedStatus.Passed ? "good" : t.Status == TestbedStatus.Failed ? "bad" : "neutral";
        html.Append("<section id=\"testbed\"><h2>Testbed: controls and power</h2>")
            .Append($"<div class=\"headline\"><p id=\"testbed-status\" class=\"{cls}\">Testbed {HtmlEncode(TestbedWord(t.Status))}: {HtmlEncode(t.Summary)}</p></div>");
        Table(html, ["control", "difference", "95% interval", "holds"], t.Controls.Select(c => new[]
        {
            c.Name, c.Expectation, $"{Signed(c.Difference.Mean)} [{Signed(c.Difference.Low)}, {Signed(c.Difference.High)}]", c.IsPassed ? "yes" : "NO",
        }));
        html.Append("<p class=\"note\">Power: ").Append(HtmlEncode(t.PowerNote)).Append(".</p></section>\n");
    }

    private static void AppendLossCurves(StringBuilder html, IReadOnlyList<LossCurve> curves)
    {
        html.Append("<section id=\"loss\"><h2>Training loss</h2>");
        var firstSeed = curves.Where(c => c.Losses.Count > 0).GroupBy(c => c.Corpus).Select(g => g.First()).ToList();
        if (firstSeed.Count == 0)
            html.Append("<p class=\"none\">No fine-tunes in this run.</p>");
        else
            AppendChart(html, ReportCharts.LossCurves(firstSeed, 900, 420));
        html.Append("</section>\n");
    }

    internal static string RunLine(RunInfo run) =>
        $"recipe {run.RecipePath} · seeds {string.Join(", ", run.Seeds)} · {(run.IsQuick ? "quick run" : "full run")}"
        + $" · started {run.StartedAt:yyyy-MM-dd HH:mm} UTC · {TimeSpan.FromSeconds(run.WallSeconds):h\\:mm\\:ss} wall";

    private static void AppendNav(StringBuilder html) =>
        html.Append("<nav><a href=\"#testbed\">Testbed</a><a href=\"#recipe\">Recipe &amp; funnel</a><a href=\"#smoke\">Teacher smoke test</a>")
            .Append("<a href=\"#controls\">DED vs controls</a><a href=\"#domains\">In- vs out-of-domain</a>")
            .Append("<a href=\"#scaling\">Scaling</a><a href=\"#histograms\">Lengths &amp; entropy</a>")
            .Append("<a href=\"#loss\">Training loss</a><a href=\"#claims\">Claims</a><a href=\"#trajectories\">Trajectories</a></nav>\n");

    private static void AppendRecipe(StringBuilder html, RunMetrics m)
    {
        html.Append("<section id=\"recipe\"><h2>Recipe, settings and funnel</h2><div class=\"cols\"><div>");
        Table(html, ["setting", "value"], m.Run.Settings.Select(kv => new[] { kv.Key, kv.Value }));
        html.Append("</div><div>");
        if (m.Funnel is { } f)
        {
            html.Append("<h3>Questions</h3>");
            AppendFunnel(html, "questions in", f.QuestionsIn, QuestionSteps(f), "kept", f.QuestionsKept);
            html.Append("<h3>Trajectories</h3>");
            var correct = f.TrajectoriesSampled - f.Truncated - f.BadlyFormed - f.Wrong;
            AppendFunnel(html, "sampled", f.TrajectoriesSampled,
                [.. TrajectorySteps(f), ("not chosen (diversity)", Math.Max(0, correct - f.Selected))], "selected", f.Selected);
            foreach (var warning in f.Warnings) html.Append($"<p class=\"warn\">{HtmlEncode(warning)}</p>");
        }
        else
            html.Append("<p class=\"none\">This run did no curation (no funnel).</p>");
        html.Append("</div></div>");
        if (m.Requests is { } r)
        {
            html.Append("<h3 id=\"requests\">Teacher requests</h3>")
                .Append($"<p class=\"{(r.SamplesMissing > 0 ? "warn" : "none")}\">{HtmlEncode(RequestLine(r))}</p>");
            if (r.Causes.Count > 0) Table(html, RequestHead, RequestRows(r));
        }
        html.Append("</section>\n");
    }

    /// <summary>A funnel as CSS bars: what remains after each step (blue) and what the step removed (red).</summary>
    private static void AppendFunnel(StringBuilder html, string first, int total, IReadOnlyList<(string Label, int Removed)> steps, string last, int kept)
    {
        var scale = Math.Max(1, total);
        string Width(int n) => Number(100.0 * n / scale, "0.##") + "%";
        html.Append("<table class=\"funnel\"><tbody>");
        html.Append($"<tr><th>{first}</th><td class=\"bar\"><span class=\"keep\" style=\"width:{Width(total)}\"></span></td><td class=\"num\">{Count(total)}</td></tr>");
        var remaining = total;
        foreach (var (label, removed) in steps)
        {
            remaining -= removed;
            html.Append($"<tr><th>− {HtmlEncode(label)}</th><td class=\"bar\"><span class=\"keep\" style=\"width:{Width(Math.Max(0, remaining))}\"></span>")
                .Append($"<span class=\"drop\" style=\"width:{Width(removed)}\"></span></td><td class=\"num\">−{Count(removed)}</td></tr>");
        }
        html.Append($"<tr class=\"total\"><th>= {last}</th><td class=\"bar\"><span class=\"keep\" style=\"width:{Width(kept)}\"></span></td><td class=\"num\">{Count(kept)}</td></tr>");
        html.Append("</tbody></table>");
        if (remaining != kept)
            html.Append($"<p class=\"warn\">{HtmlEncode(FunnelGap(first, remaining, last, kept))}</p>");
    }

    private static void AppendSmoke(StringBuilder html, SmokeTest? smoke)
    {
        html.Append("<section id=\"smoke\"><h2>Teacher smoke test</h2>");
        if (smoke is null || smoke.Teachers.Count == 0)
        {
            html.Append("<p class=\"none\">Not run in this run.</p></section>\n");
            return;
        }
        html.Append("<p>Each teacher answered the same questions once; a student was fine-tuned on each teacher's answers (DED §2.1). ")
            .Append("The chart at the top shows the scores; the teacher's own accuracy is the naive choice.</p>");
        var ranked = smoke.Teachers.OrderBy(t => t.Rank).ToList();
        Table(html, ["rank", "teacher", "student in-domain", "student out-of-domain", "teacher accuracy", "mean length", "token entropy (bits)", "student loss (nats)", "RSR"],
            ranked.Select(t => new[]
            {
                t.Rank.ToString(), t.Teacher + (t.Teacher == smoke.Winner ? " ★ winner" : "") + (t.Teacher == smoke.BenchmarkBest ? " (most accurate)" : ""),
                Score(t.StudentScore), Score(t.StudentOutOfDomain), Fraction(t.TeacherAccuracy), Number(t.MeanResponseLength, "0"),
                Number(t.TokenEntropyBits, "0.000"), Number(t.StudentLossNats, "0.000"), Number(t.RankSurprisalRatio, "0.000"),
            }), rowClass: i => ranked[i].Teacher == smoke.Winner ? "win" : null);
        if (smoke.SignalCorrelations.Count > 0)
        {
            html.Append("<h3>Cheap signals against the smoke-test ranking (Spearman)</h3>");
            Table(html, ["signal", "Spearman ρ", "95% interval", "teachers", "picks", "agrees with smoke test"], smoke.SignalCorrelations.Select(s => new[]
            {
                s.Signal, Number(s.Spearman, "+0.00;-0.00;0.00"), RhoInterval(s), s.Teachers.ToString(), s.PicksTeacher ?? "–",
                s.PicksTeacher is null ? "–" : s.PicksTeacher == smoke.Winner ? "yes" : "no",
            }));
        }
        html.Append("</section>\n");
    }

    private static void AppendSelectTeacher(StringBuilder html, TeacherSelection.SelectionOutcome? outcome)
    {
        if (outcome is null) return; // a lab or curation run: the smoke test section above covers it
        html.Append("<section id=\"select-teacher\"><h2>").Append(HtmlEncode(TeacherSelectionSection.Title)).Append("</h2>");
        Table(html, TeacherSelectionSection.Head, TeacherSelectionSection.Rows(outcome));
        foreach (var line in TeacherSelectionSection.Lines(outcome)) html.Append("<p>").Append(HtmlEncode(line)).Append("</p>");
        html.Append("</section>\n");
    }

    private static void AppendControls(StringBuilder html, RunMetrics m)
    {
        html.Append("<section id=\"controls\"><h2>DED against its controls</h2>");
        if (m.Conditions.Count == 0)
        {
            html.Append("<p class=\"none\">No conditions were trained in this run.</p></section>\n");
            return;
        }
        var ded = m.Conditions[0].InDomain;
        Table(html, ["condition", "what it is", "samples", "questions", "in-domain", "vs DED", "out-of-domain", "majority@k", "pass@k", "truncated", "no answer", "per seed (in-domain)"],
            m.Conditions.Select((c, i) => new[]
            {
                c.Name, c.Description, Count(c.Samples), Count(c.Questions), Score(c.InDomain), i == 0 ? "—" : AgainstDed(ded, c.InDomain),
                Score(c.OutOfDomain), Score(c.MajorityInDomain), Score(c.PassAtKInDomain), Percent(c.TruncationRate), Percent(c.NoAnswerRate), Seeds(c.PerSeedInDomain),
            }), rowClass: i => i == 0 ? "ded" : null);
        html.Append("<p class=\"note\">Intervals are 95%; \"overlap\" means this run cannot order the two.</p></section>\n");
    }

    private static void AppendDomains(StringBuilder html, RunMetrics m)
    {
        html.Append("<section id=\"domains\"><h2>In-domain vs out-of-domain</h2>");
        if (m.Conditions.Count == 0)
        {
            html.Append("<p class=\"none\">No conditions were trained in this run.</p></section>\n");
            return;
        }
        html.Append("<div class=\"cols\">");
        AppendChart(html, ReportCharts.InVersusOut(m.Conditions, m.BaseStudent, 820, 460));
        var rows = m.Conditions.Select(c => new[]
        {
            c.Name, Score(c.InDomain), Score(c.OutOfDomain),
            m.BaseStudent is null ? "–" : Signed(c.InDomain.Mean - m.BaseStudent.InDomain.Mean),
            m.BaseStudent is null ? "–" : Signed(c.OutOfDomain.Mean - m.BaseStudent.OutOfDomain.Mean),
        }).ToList();
        if (m.BaseStudent is { } b)
            rows.Add(["base student", Score(b.InDomain), Score(b.OutOfDomain), "0.00", "0.00"]);
        html.Append("<div>");
        Table(html, ["condition", "in-domain", "out-of-domain", "Δ in vs base", "Δ out vs base"], rows);
        html.Append("</div></div></section>\n");
    }

    private static void AppendScaling(StringBuilder html, RunMetrics m)
    {
        html.Append("<section id=\"scaling\"><h2>Score against corpus size</h2><div class=\"cols\">");
        if (m.Conditions.Any(c => c.Samples > 0))
            AppendChart(html, ReportCharts.RunScaling(m.Conditions, m.BaseStudent, 600, 380));
        AppendChart(html, ReportCharts.PaperScaling(600, 380));
        html.Append("</div><p class=\"note\">The paper's points show its shape (fewer, diverse, correct samples beat more), ")
            .Append("not a target for this run.</p></section>\n");
    }

    private static void AppendHistograms(StringBuilder html, IReadOnlyList<Histogram> histograms)
    {
        html.Append("<section id=\"histograms\"><h2>Response lengths and entropy</h2>");
        var groups = HistogramGroups(histograms);
        if (groups.Count == 0)
            html.Append("<p class=\"none\">No histograms in this run.</p>");
        html.Append("<div class=\"cols\">");
        foreach (var group in groups)
            AppendChart(html, ReportCharts.Histogram(group.Key, group.ToList(), 620, 400));
        html.Append("</div></section>\n");
    }

    private static void AppendClaims(StringBuilder html, IReadOnlyList<ClaimCheck> claims)
    {
        html.Append("<section id=\"claims\"><h2>The paper's claims, checked</h2>");
        if (claims.Count == 0)
        {
            html.Append("<p class=\"none\">No claims were checked in this run.</p></section>\n");
            return;
        }
        html.Append("<table><thead><tr><th>claim</th><th>paper</th><th>this run</th><th>verdict</th></tr></thead><tbody>");
        foreach (var c in claims)
            html.Append($"<tr><td>{HtmlEncode(c.Claim)}</td><td>{HtmlEncode(c.Paper)}</td><td>{HtmlEncode(c.Measured)}</td>")
                .Append($"<td><span class=\"badge {Verdict(c.Verdict)}\">{Verdict(c.Verdict)}</span></td></tr>");
        html.Append("</tbody></table></section>\n");
    }

    private static void AppendBrowser(StringBuilder html, IReadOnlyList<SelectedQuestion> selected)
    {
        html.Append("<section id=\"trajectories\"><h2>Selected trajectories</h2>");
        if (selected.Count == 0)
        {
            html.Append("<p class=\"none\">No selected trajectories were sampled for this report.</p></section>\n");
            return;
        }
        html.Append("<div class=\"browser\"><ol class=\"traj-list\">");
        for (var i = 0; i < selected.Count; i++)
            html.Append($"<li><button type=\"button\" data-target=\"traj-{i}\"><b>{HtmlEncode(selected[i].QuestionId)}</b> ")
                .Append($"<span>{HtmlEncode(Shorten(selected[i].Question, 70))}</span></button></li>");
        html.Append("</ol><div class=\"traj-pane\"><p id=\"traj-empty\" class=\"none\">Pick a question to see the answers DED chose for it.</p>");
        for (var i = 0; i < selected.Count; i++)
            AppendDetail(html, i, selected[i]);
        html.Append("</div></div></section>\n");
    }

    private static void AppendDetail(StringBuilder html, int index, SelectedQuestion q)
    {
        html.Append($"<article class=\"traj-detail\" id=\"traj-{index}\" hidden><h3>{HtmlEncode(q.QuestionId)}</h3>")
            .Append($"<pre class=\"question\">{HtmlEncode(q.Question)}</pre>")
            .Append($"<div class=\"answers\" style=\"grid-template-columns:repeat({Math.Max(1, q.Chosen.Count)},minmax(0,1fr))\">");
        for (var j = 0; j < q.Chosen.Count; j++)
        {
            var t = q.Chosen[j];
            html.Append($"<div class=\"answer\"><h4>#{j + 1} · {HtmlEncode(t.Teacher)} · <code>{HtmlEncode(t.TrajectoryId)}</code></h4>")
                .Append($"<p class=\"reason\">{HtmlEncode(t.Reason)}</p><pre>{HtmlEncode(t.Text)}</pre></div>");
        }
        html.Append("</div>");
        if (q.Distances.Count == q.Chosen.Count * q.Chosen.Count && q.Chosen.Count > 0)
        {
            html.Append("<h4>Pairwise Levenshtein distances</h4>");
            var labels = Enumerable.Range(1, q.Chosen.Count).Select(j => "#" + j).ToList();
            Table(html, ["", .. labels], labels.Select((label, r) =>
                new[] { label }.Concat(Enumerable.Range(0, q.Chosen.Count).Select(c => Count(q.Distances[r * q.Chosen.Count + c]))).ToArray()),
                cssClass: "matrix");
        }
        html.Append("</article>");
    }

    private static void AppendChart(StringBuilder html, Chart chart) =>
        html.Append($"<figure><img src=\"data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(chart.Svg))}\" ")
            .Append($"width=\"{chart.Width}\" height=\"{chart.Height}\" alt=\"{HtmlEncode(chart.Alt)}\">")
            .Append(chart.Caption is null ? "" : $"<figcaption style=\"max-width:{chart.Width}px\">{HtmlEncode(chart.Caption)}</figcaption>")
            .Append("</figure>");

    private static void Table(StringBuilder html, IReadOnlyList<string> head, IEnumerable<string[]> rows, Func<int, string?>? rowClass = null, string? cssClass = null)
    {
        html.Append(cssClass is null ? "<table>" : $"<table class=\"{cssClass}\">").Append("<thead><tr>");
        foreach (var h in head) html.Append("<th>").Append(HtmlEncode(h)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        var i = 0;
        foreach (var row in rows)
        {
            var cls = rowClass?.Invoke(i++);
            html.Append(cls is null ? "<tr>" : $"<tr class=\"{cls}\">");
            foreach (var cell in row) html.Append("<td>").Append(HtmlEncode(cell)).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
    }

    internal static string Shorten(string text, int max)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }

    // Toggles which detail is shown; everything else is static HTML.
    private const string Script = """
        document.querySelectorAll('.traj-list button').forEach(function (button) {
          button.addEventListener('click', function () {
            document.querySelectorAll('.traj-detail').forEach(function (d) { d.hidden = d.id !== button.dataset.target; });
            document.querySelectorAll('.traj-list button').forEach(function (b) { b.classList.toggle('active', b === button); });
            document.getElementById('traj-empty').hidden = true;
          });
        });
        """;

    private const string Css = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
        header{background:#fff;padding:14px 24px 6px;border-bottom:1px solid #d9e2ec}
        h1{font-size:20px;margin:0 0 2px}h2{font-size:18px;margin:0 0 10px}h3{font-size:15px;margin:12px 0 6px}h4{font-size:13px;margin:8px 0 4px}
        .meta{color:#52606d;margin:0 0 8px;font-size:12px}
        .headline p{font-size:16px;font-weight:600;margin:4px 0;padding:6px 10px;border-left:5px solid #9fb3c8;background:#f0f4f8}
        .headline p.good{border-color:#2e7d32;background:#e8f5e9}.headline p.bad{border-color:#c62828;background:#ffebee}
        .glance,.cols{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
        figure{margin:6px 0;background:#fff}figcaption{color:#52606d;font-size:12px;padding:2px 8px}figure img{display:block;max-width:100%;height:auto}
        nav{position:sticky;top:0;background:#243b53;padding:6px 24px;z-index:1}nav a{color:#fff;margin-right:16px;text-decoration:none;font-size:13px}
        section{scroll-margin-top:40px;background:#fff;margin:14px 24px;padding:14px 18px;border:1px solid #d9e2ec;border-radius:6px}
        table{border-collapse:collapse;font-size:13px;margin:4px 0}th,td{border-bottom:1px solid #e4e7eb;padding:3px 8px;text-align:left;vertical-align:top}
        thead th{background:#f0f4f8}tr.win td,tr.ded td{background:#e3f2fd;font-weight:600}
        .funnel th{font-weight:normal;white-space:nowrap}.funnel td.bar{width:320px}.funnel .num{text-align:right;font-variant-numeric:tabular-nums}
        .funnel span{display:inline-block;height:12px;vertical-align:middle}.funnel .keep{background:#1565c0}.funnel .drop{background:#e57373}
        .funnel tr.total th{font-weight:600}
        .badge{padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
        .badge.supported{background:#2e7d32}.badge.contradicted{background:#c62828}.badge.inconclusive{background:#f9a825;color:#1f2933}.badge.untestable{background:#7b8794}
        .note,.none{color:#52606d;font-size:12px}.warn{color:#c62828;font-size:12px;font-weight:600}
        .browser{display:flex;gap:14px}.traj-list{list-style:none;padding:0;margin:0;width:300px;flex:none;max-height:640px;overflow:auto}
        .traj-list button{width:100%;text-align:left;border:1px solid #d9e2ec;background:#fff;padding:5px 8px;margin:0 0 4px;cursor:pointer;font:inherit;font-size:12px}
        .traj-list button.active{background:#e3f2fd;border-color:#1565c0}.traj-list span{color:#52606d}
        .traj-pane{flex:1;min-width:0}.answers{display:grid;gap:10px}
        .answer{border:1px solid #d9e2ec;border-radius:4px;padding:6px 8px;min-width:0}.reason{color:#1565c0;font-size:12px;margin:2px 0 6px}
        pre{white-space:pre-wrap;word-break:break-word;background:#f8fafc;padding:6px;margin:0;font-size:12px;max-height:420px;overflow:auto}
        .matrix td{text-align:right;font-variant-numeric:tabular-nums}
        """;
}
