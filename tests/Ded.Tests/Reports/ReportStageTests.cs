using Xunit;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ded.Reports;

namespace Ded.Tests.Reports;

public sealed class ReportStageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ded-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The two fixtures and the sentences their first screen must lead with.
    public static TheoryData<string, string, DedVerdict> Headlines => new()
    {
        { "wins", "ded 0.56 [0.51, 0.61] vs best control full-corpus 0.46 [0.42, 0.50]: DED beat every control (intervals separated).", DedVerdict.BeatControls },
        { "inside", "ded 0.47 [0.41, 0.53] vs best control random-p 0.45 [0.39, 0.51]: not separated by the intervals.", DedVerdict.NotSeparated },
    };

    [Theory]
    [MemberData(nameof(Headlines))]
    public void Headline_states_the_DED_verdict_with_both_intervals(string fixture, string sentence, DedVerdict verdict)
    {
        var headline = ReportHeadline.From(Fixture(fixture));
        Assert.Equal(sentence, headline.Ded);
        Assert.Equal(verdict, headline.Verdict);
    }

    [Fact]
    public void Headline_names_the_smoke_test_winner_and_the_naive_choice()
    {
        var headline = ReportHeadline.From(ReportFixtures.DedWins());
        Assert.Equal("Teacher smoke test: careful won, its student scored 0.47 [0.41, 0.53], not separated from runner-up "
                     + "explorer 0.42 [0.36, 0.48], not separated from the worst, verbose 0.35 [0.29, 0.41]; the most accurate teacher, oracle, was not the best to learn from.", headline.Teacher);
    }

    // DED interval, one control's interval, verdict: separation needs a gap, touching is overlap.
    [Theory]
    [InlineData(0.50, 0.45, 0.55, 0.40, 0.35, 0.44, DedVerdict.BeatControls)]
    [InlineData(0.50, 0.45, 0.55, 0.40, 0.35, 0.45, DedVerdict.NotSeparated)]
    [InlineData(0.50, 0.45, 0.55, 0.60, 0.56, 0.64, DedVerdict.LostToControl)]
    [InlineData(0.50, 0.45, 0.55, 0.60, 0.55, 0.64, DedVerdict.NotSeparated)]
    public void Compare_orders_only_separated_intervals(double m, double lo, double hi, double cm, double clo, double chi, DedVerdict expected) =>
        Assert.Equal(expected, ReportHeadline.Compare(new(m, lo, hi, 100), [new(cm, clo, chi, 100)]));

    [Fact]
    public void Compare_without_controls_has_nothing_to_compare() =>
        Assert.Equal(DedVerdict.NoComparison, ReportHeadline.Compare(new(0.5, 0.4, 0.6, 10), []));

    [Fact]
    public void Headline_reports_a_loss_by_name()
    {
        var m = ReportFixtures.DedWins();
        m = m with { Conditions = [m.Conditions[0] with { InDomain = new(0.30, 0.25, 0.35, 720) }, .. m.Conditions.Skip(1)] };
        var headline = ReportHeadline.From(m);
        Assert.Equal(DedVerdict.LostToControl, headline.Verdict);
        Assert.EndsWith("DED lost to random-p, longest-p, no-compression, full-corpus (intervals separated).", headline.Ded);
    }

    [Fact]
    public async Task Html_is_self_contained()
    {
        var html = await File.ReadAllTextAsync((await WriteAsync(ReportFixtures.DedWins())).Html);

        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotMatch(new Regex(@"<(link|iframe|object|embed)\b"), html);
        Assert.DoesNotMatch(new Regex(@"<script[^>]*\bsrc="), html);
        var images = Regex.Matches(html, "<img [^>]*src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        // 2 headline charts, in-vs-out, 2 scaling panels, 2 histograms.
        Assert.Equal(7, images.Count);
        foreach (var src in images)
        {
            Assert.StartsWith("data:image/svg+xml;base64,", src);
            var svg = Encoding.UTF8.GetString(Convert.FromBase64String(src["data:image/svg+xml;base64,".Length..]));
            Assert.Equal("svg", XDocument.Parse(svg).Root!.Name.LocalName);
            Assert.DoesNotMatch(new Regex(@"href=""(?!#)"), svg);
        }
    }

    [Fact]
    public async Task Html_leads_with_the_headline_and_holds_every_section()
    {
        var html = await File.ReadAllTextAsync((await WriteAsync(ReportFixtures.DedInsideControls())).Html);
        var firstChart = html.IndexOf("<img ", StringComparison.Ordinal);
        Assert.InRange(html.IndexOf("id=\"headline-teacher\"", StringComparison.Ordinal), 0, firstChart);
        Assert.InRange(html.IndexOf("ded 0.47 [0.41, 0.53] vs best control random-p 0.45 [0.39, 0.51]: not separated", StringComparison.Ordinal), 0, firstChart);
        foreach (var id in new[] { "recipe", "smoke", "controls", "domains", "scaling", "histograms", "claims", "trajectories" })
            Assert.Contains($"<section id=\"{id}\">", html);
        Assert.Equal(6, Regex.Matches(html, "<article class=\"traj-detail\"").Count);
        Assert.Contains("<span class=\"badge contradicted\">contradicted</span>", html);
        Assert.Contains("not comparable in absolute terms", html);
        // Trajectory text is escaped, so a <think> tag shows as text, not markup.
        Assert.Contains("&lt;think&gt;", html);
    }

    [Fact]
    public async Task Markdown_holds_each_section_with_the_fixture_numbers()
    {
        var md = await File.ReadAllTextAsync((await WriteAsync(ReportFixtures.DedWins())).Markdown);
        string[] expected =
        [
            "# DED run report: lab-full-2026-11-26",
            "**ded 0.56 [0.51, 0.61] vs best control full-corpus 0.46 [0.42, 0.50]: DED beat every control (intervals separated).**",
            "| P chosen per question | 4 |",
            "|  | too easy | -260 |",
            "| questions kept |  | 240 |",
            "| trajectories selected |  | 960 |",
            "| 1 | careful (winner) | 0.47 [0.41, 0.53] | 0.37 [0.31, 0.43] | 0.91 | 412 | 1.840 | 0.930 |",
            "| 3 | oracle (most accurate) | 0.39 [0.33, 0.45] |",
            "| token entropy | +0.80 | [+0.20, +0.95] | 4 | careful | yes |",
            "| random-p | 960 | 0.44 [0.39, 0.49] | DED above |",
            "| ded | 0.56 [0.51, 0.61] | 0.44 [0.39, 0.49] | +0.34 | +0.29 |",
            "| base student | 0.22 [0.18, 0.26] | 0.15 [0.11, 0.19] | 0.00 | 0.00 |",
            "| DED (\\~4 diverse) | 965 | 81.87 |", // the tilde escaped: two would strike text through
            "| response length | verbose | tokens | 200 |",
            "| CONTRADICTED | Low student loss on a teacher predicts the winner |",
            "| remainder-000 | 4 | careful | 50 |",
        ];
        foreach (var line in expected)
            Assert.Contains(line, md);
        foreach (var heading in new[] { "## Recipe and settings", "## Funnel", "## Teacher smoke test", "## DED vs controls",
                     "## In-domain vs out-of-domain", "## Score vs corpus size", "## Lengths and entropy", "## Claims", "## Selected trajectories" })
            Assert.Contains("\n" + heading + "\n", md);
    }

    [Fact]
    public async Task A_curation_only_run_says_what_it_did_not_measure()
    {
        var m = ReportFixtures.DedWins() with { SmokeTest = null, Conditions = [], BaseStudent = null, Claims = [], Histograms = [], Selected = [] };
        var files = await WriteAsync(m);
        var md = await File.ReadAllTextAsync(files.Markdown);
        Assert.Contains("**Teacher smoke test: not run in this run.**", md);
        Assert.Contains("**DED vs controls: not measured in this run (no controls were trained).**", md);
        Assert.Contains("| questions kept |  | 240 |", md);
        Assert.Single(Regex.Matches(await File.ReadAllTextAsync(files.Html), "<img ")); // the paper's panel only
    }

    // Shapes a quick or partial run can produce; each must render both files without throwing.
    public static TheoryData<string> Degenerate => new() { "run only", "DED only", "flat histogram", "no distances", "no smoke signals" };

    [Theory]
    [MemberData(nameof(Degenerate))]
    public async Task Partial_runs_still_render(string shape)
    {
        var full = ReportFixtures.DedWins();
        var m = shape switch
        {
            "run only" => new RunMetrics { Run = new RunInfo { Name = "bare", RecipePath = "r.yaml" } },
            "DED only" => full with { Conditions = [full.Conditions[0]], BaseStudent = null },
            "flat histogram" => full with { Histograms = [new Histogram { Title = "length", Series = "a", Unit = "tokens", Values = [5, 5, 5] }] },
            "no distances" => full with { Selected = [full.Selected[0] with { Distances = [] }] },
            _ => full with { SmokeTest = full.SmokeTest! with { SignalCorrelations = [] } },
        };
        var files = await WriteAsync(m);
        Assert.Contains("</html>", await File.ReadAllTextAsync(files.Html));
        Assert.Contains("## Claims", await File.ReadAllTextAsync(files.Markdown));
    }

    [Fact]
    public async Task A_funnel_that_does_not_add_up_says_so()
    {
        var m = ReportFixtures.DedWins();
        var files = await WriteAsync(m with { Funnel = m.Funnel! with { TooEasy = 250 } });
        const string gap = "Counts do not add up: questions in minus the steps leaves 250, but 240 are kept.";
        Assert.Contains(gap, await File.ReadAllTextAsync(files.Markdown));
        Assert.Contains($"<p class=\"warn\">{gap}</p>", await File.ReadAllTextAsync(files.Html));
        Assert.DoesNotContain("Counts do not add up", await File.ReadAllTextAsync((await WriteAsync(m)).Html));
    }

    [Fact]
    public async Task Metrics_round_trip_through_metrics_json()
    {
        var dir = _dir;
        var json = JsonSerializer.Serialize(ReportFixtures.DedWins(), RunMetrics.Json);
        await File.WriteAllTextAsync(Path.Combine(dir, "metrics.json"), json);
        Assert.Equal(json, JsonSerializer.Serialize(ReportStage.LoadMetrics(dir), RunMetrics.Json));
    }

    [Fact]
    public void Missing_metrics_names_the_file()
    {
        var dir = _dir;
        var e = Assert.Throws<FileNotFoundException>(() => ReportStage.LoadMetrics(dir));
        Assert.StartsWith(Path.Combine(dir, "metrics.json") + ": not found.", e.Message);
    }

    [Fact]
    public void Invalid_metrics_name_the_file_and_line()
    {
        var dir = _dir;
        File.WriteAllText(Path.Combine(dir, "metrics.json"), "{\n  \"run\": {\n    \"name\": 3\n  }\n}");
        var e = Assert.Throws<InvalidDataException>(() => ReportStage.LoadMetrics(dir));
        Assert.StartsWith(Path.Combine(dir, "metrics.json") + ":3: not a valid metrics file ($.run.name)", e.Message);
    }

    private Task<ReportFiles> WriteAsync(RunMetrics metrics) => ReportStage.WriteAsync(_dir, metrics, CancellationToken.None);

    private static RunMetrics Fixture(string name) => name == "wins" ? ReportFixtures.DedWins() : ReportFixtures.DedInsideControls();
}
