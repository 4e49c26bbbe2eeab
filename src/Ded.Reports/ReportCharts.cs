using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Ded.Reports;

/// <summary>A chart rendered to SVG, with the alt text that says what it shows.</summary>
internal sealed record Chart(string Alt, string Svg, int Width, int Height, string? Caption = null);

/// <summary>
/// The report's charts, drawn with ScottPlot and exported as SVG (crisp at any zoom, a few kB each).
/// Every score is drawn with its 95% interval as a whisker; DED is always blue, controls grey.
/// </summary>
internal static class ReportCharts
{
    private static readonly Color DedColor = Color.FromHex("#1565c0");
    private static readonly Color ControlColor = Color.FromHex("#90a4ae");
    private static readonly Color WinnerColor = Color.FromHex("#2e7d32");
    private static readonly Color TeacherColor = Color.FromHex("#ef6c00");
    private static readonly Color BaseColor = Color.FromHex("#424242");
    private static readonly Color OutColor = Color.FromHex("#ef6c00");
    private static readonly Color[] SeriesColors =
        [Color.FromHex("#1565c0"), Color.FromHex("#ef6c00"), Color.FromHex("#2e7d32"), Color.FromHex("#8e24aa"),
         Color.FromHex("#c62828"), Color.FromHex("#00838f"), Color.FromHex("#6d4c41"), Color.FromHex("#546e7a")];

    // Skia's default family on a bare Linux box is DejaVu Serif; name a sans face that is installed, else keep the default.
    private static readonly string? SansFont = new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial" }
        .FirstOrDefault(name => SkiaSharp.SKFontManager.Default.FontFamilies.Contains(name));

    /// <summary>DED and its controls as horizontal bars (DED on top), DED's interval shaded, the base student dashed.</summary>
    public static Chart Conditions(IReadOnlyList<ConditionResult> conditions, ConditionResult? baseStudent, int width, int height)
    {
        using var plot = NewPlot("DED vs its controls (in-domain)", "in-domain accuracy, avg@k (bars: 95% interval)", null);
        var n = conditions.Count;
        double Row(int i) => n - 1 - i; // DED, the first condition, at the top
        var ded = conditions[0];
        var span = plot.Add.HorizontalSpan(ded.InDomain.Low, ded.InDomain.High);
        span.FillColor = DedColor.WithAlpha(0.10);
        span.LineColor = Colors.Transparent;

        AddBars(plot, [new Bar { Position = Row(0), Value = ded.InDomain.Mean, Size = 0.65 }], DedColor, "DED", horizontal: true);
        AddBars(plot, conditions.Skip(1).Select((c, i) => new Bar { Position = Row(i + 1), Value = c.InDomain.Mean, Size = 0.65 }).ToArray(),
            ControlColor, "controls", horizontal: true);
        var scores = conditions.Select(c => c.InDomain).ToList();
        AddWhiskers(plot, scores, Enumerable.Range(0, n).Select(Row).ToList(), horizontal: true);
        for (var i = 0; i < n; i++)
            AddLabel(plot, ReportHeadline.Format(scores[i]), scores[i].High, Row(i), Alignment.MiddleLeft, 11);

        if (baseStudent is not null)
            plot.Add.VerticalLine(baseStudent.InDomain.Mean, 1.5f, BaseColor, LinePattern.Dashed);
        plot.Axes.Left.TickGenerator = new NumericManual(
            Enumerable.Range(0, n).Select(Row).ToArray(), conditions.Select(c => c.Name).ToArray());
        // Room on the right for the interval labels.
        plot.Axes.SetLimitsX(0, Math.Min(1.0, scores.Max(s => s.High)) * 1.45);
        plot.Axes.SetLimitsY(-0.6, n - 0.4);
        // A legend box would cover the interval labels; the caption under the chart says what colours, shading and dashes mean.
        plot.HideLegend();
        var caption = "Blue: DED; grey: controls; whiskers: 95% interval. Shaded band: DED's interval — a control whose whisker"
            + " reaches into it is not separated from DED." + (baseStudent is null ? "" : $" Dashed: base student {F(baseStudent.InDomain.Mean)}.");
        return Render(plot, "DED against its controls: in-domain score per condition with 95% intervals", width, height, caption);
    }

    /// <summary>Student score per teacher (bars, winner green) next to the teacher's own accuracy (diamonds).</summary>
    public static Chart SmokeTest(SmokeTest smoke, int width, int height)
    {
        using var plot = NewPlot("Teacher smoke test: which teacher's student learned most", null, "score (fraction correct)");
        var teachers = smoke.Teachers.OrderBy(t => t.Rank == 0 ? int.MaxValue : t.Rank).ToList();
        var winner = teachers.Select((t, i) => (t, i)).Where(x => x.t.Teacher == smoke.Winner)
            .Select(x => new Bar { Position = x.i, Value = x.t.StudentScore.Mean, Size = 0.6 }).ToArray();
        var others = teachers.Select((t, i) => (t, i)).Where(x => x.t.Teacher != smoke.Winner)
            .Select(x => new Bar { Position = x.i, Value = x.t.StudentScore.Mean, Size = 0.6 }).ToArray();
        AddBars(plot, winner, WinnerColor, "student (winner)", horizontal: false);
        AddBars(plot, others, ControlColor, "student (other teachers)", horizontal: false);
        var positions = Enumerable.Range(0, teachers.Count).Select(i => (double)i).ToList();
        AddWhiskers(plot, teachers.Select(t => t.StudentScore).ToList(), positions, horizontal: false);
        for (var i = 0; i < teachers.Count; i++)
            AddLabel(plot, F(teachers[i].StudentScore.Mean), i, teachers[i].StudentScore.High, Alignment.LowerCenter, 11);

        var own = plot.Add.ScatterPoints(positions.ToArray(), teachers.Select(t => t.TeacherAccuracy).ToArray(), TeacherColor);
        own.MarkerShape = MarkerShape.FilledDiamond;
        own.MarkerSize = 11;
        own.LegendText = "teacher's own accuracy";
        plot.Axes.Bottom.TickGenerator = new NumericManual(positions.ToArray(), teachers.Select(t => t.Teacher).ToArray());
        plot.Axes.SetLimits(-0.6, teachers.Count - 0.4, 0, 1.22); // headroom above 1.0 for the legend
        plot.Axes.Left.TickGenerator = new NumericManual([0, 0.2, 0.4, 0.6, 0.8, 1.0], ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        plot.ShowLegend(Alignment.UpperCenter, Orientation.Horizontal);
        return Render(plot, "Teacher smoke test: student score per teacher with 95% intervals and each teacher's own accuracy", width, height);
    }

    /// <summary>Each condition's in-domain and out-of-domain score side by side, the base student's two scores dashed.</summary>
    public static Chart InVersusOut(IReadOnlyList<ConditionResult> conditions, ConditionResult? baseStudent, int width, int height)
    {
        using var plot = NewPlot("In-domain vs out-of-domain", "accuracy, avg@k (bars: 95% interval)", null);
        var n = conditions.Count;
        double Row(int i) => n - 1 - i;
        const double offset = 0.19, size = 0.36; // two bars per row, in-domain above
        AddBars(plot, conditions.Select((c, i) => new Bar { Position = Row(i) + offset, Value = c.InDomain.Mean, Size = size }).ToArray(), DedColor, "in-domain", horizontal: true);
        AddBars(plot, conditions.Select((c, i) => new Bar { Position = Row(i) - offset, Value = c.OutOfDomain.Mean, Size = size }).ToArray(), OutColor, "out-of-domain", horizontal: true);
        AddWhiskers(plot, conditions.Select(c => c.InDomain).ToList(), Enumerable.Range(0, n).Select(i => Row(i) + offset).ToList(), horizontal: true);
        AddWhiskers(plot, conditions.Select(c => c.OutOfDomain).ToList(), Enumerable.Range(0, n).Select(i => Row(i) - offset).ToList(), horizontal: true);
        for (var i = 0; i < n; i++)
        {
            AddLabel(plot, F(conditions[i].InDomain.Mean), conditions[i].InDomain.High, Row(i) + offset, Alignment.MiddleLeft, 10);
            AddLabel(plot, F(conditions[i].OutOfDomain.Mean), conditions[i].OutOfDomain.High, Row(i) - offset, Alignment.MiddleLeft, 10);
        }
        if (baseStudent is not null)
        {
            plot.Add.VerticalLine(baseStudent.InDomain.Mean, 2.5f, DedColor, LinePattern.Dashed).LegendText = $"base student, in-domain {F(baseStudent.InDomain.Mean)}";
            plot.Add.VerticalLine(baseStudent.OutOfDomain.Mean, 2.5f, OutColor, LinePattern.Dashed).LegendText = $"base student, out-of-domain {F(baseStudent.OutOfDomain.Mean)}";
        }
        plot.Axes.Left.TickGenerator = new NumericManual(Enumerable.Range(0, n).Select(Row).ToArray(), conditions.Select(c => c.Name).ToArray());
        var top = conditions.Max(c => Math.Max(c.InDomain.High, c.OutOfDomain.High));
        plot.Axes.SetLimitsX(0, Math.Min(1.0, top) * 1.2);
        plot.Axes.SetLimitsY(-0.6, n - 0.4);
        plot.ShowLegend(Edge.Right);
        return Render(plot, "In-domain and out-of-domain score per condition with 95% intervals; the base student's scores dashed", width, height);
    }

    /// <summary>The run's conditions: in-domain score against corpus size on a log axis.</summary>
    public static Chart RunScaling(IReadOnlyList<ConditionResult> conditions, ConditionResult? baseStudent, int width, int height)
    {
        using var plot = NewPlot("This run: score vs corpus size", "training samples (log scale)", "in-domain accuracy, avg@k");
        var sized = conditions.Where(c => c.Samples > 0).ToList();
        // Dodge conditions of equal size sideways (0.015 decades apart) so their whiskers do not hide each other.
        var xs = sized.Select((c, i) => Math.Log10(c.Samples) + 0.015 * (sized.Take(i).Count(o => o.Samples == c.Samples)
            - (sized.Count(o => o.Samples == c.Samples) - 1) / 2.0)).ToList();
        AddWhiskers(plot, sized.Select(c => c.InDomain).ToList(), xs, horizontal: false);
        // Several controls share DED's size, so points are told apart by colour and legend, not by labels that would collide.
        for (var i = 0; i < sized.Count; i++)
        {
            var isDed = ReferenceEquals(sized[i], conditions[0]);
            var marker = plot.Add.Marker(xs[i], sized[i].InDomain.Mean, isDed ? MarkerShape.FilledCircle : MarkerShape.FilledSquare,
                isDed ? 13 : 9, SeriesColors[i % SeriesColors.Length]);
            marker.LegendText = $"{sized[i].Name} ({sized[i].Samples})";
        }
        if (baseStudent is not null)
            plot.Add.HorizontalLine(baseStudent.InDomain.Mean, 1.5f, BaseColor, LinePattern.Dashed).LegendText = "base student";
        plot.ShowLegend(Edge.Right);
        SetLogX(plot, sized.Select(c => (double)c.Samples));
        plot.Axes.AutoScaleY();
        plot.Axes.MarginsY(0.2);
        return Render(plot, "This run's conditions: in-domain score against number of training samples, log scale", width, height);
    }

    /// <summary>The paper's ablation points (AIME24, 32B student), for the curve's shape only.</summary>
    public static Chart PaperScaling(int width, int height)
    {
        using var plot = NewPlot("Paper (reference only): AIME24 vs corpus size", "training samples (log scale)", "AIME24 (%), 32B student");
        var points = PaperReference.Points;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var isDed = p.Label.StartsWith("DED", StringComparison.Ordinal);
            var marker = plot.Add.Marker(Math.Log10(p.Samples), p.Aime24, isDed ? MarkerShape.FilledDiamond : MarkerShape.OpenDiamond,
                isDed ? 14 : 11, SeriesColors[i % SeriesColors.Length]);
            marker.LegendText = $"{p.Label}: {p.Samples}, {p.Aime24:0.00}";
        }
        plot.Add.HorizontalLine(PaperReference.BaseAime24, 1.5f, BaseColor, LinePattern.Dashed).LegendText = $"base student {PaperReference.BaseAime24:0.00}";
        plot.ShowLegend(Edge.Right);
        SetLogX(plot, points.Select(p => (double)p.Samples));
        plot.Axes.SetLimitsY(60, 86);
        return Render(plot, PaperReference.Caption, width, height, PaperReference.Caption + ".");
    }

    /// <summary>Overlaid histograms of one quantity (each series as a share of its own count, so sizes compare).</summary>
    public static Chart Histogram(string title, IReadOnlyList<Histogram> series, int width, int height)
    {
        var unit = series[0].Unit;
        using var plot = NewPlot(title, unit, "share of series");
        var values = series.SelectMany(s => s.Values).ToList();
        var (min, max) = (values.Min(), values.Max());
        if (max <= min) max = min + 1;
        const int bins = 30; // enough shape for a few hundred values, few enough to read
        for (var i = 0; i < series.Count; i++)
        {
            var h = ScottPlot.Statistics.Histogram.WithBinCount(bins, min, max);
            h.AddRange(series[i].Values);
            var total = Math.Max(1, series[i].Values.Count);
            var color = SeriesColors[i % SeriesColors.Length];
            var bars = Enumerable.Range(0, bins).Select(b => new Bar
            {
                Position = (h.Edges[b] + h.Edges[b + 1]) / 2,
                Value = (double)h.Counts[b] / total,
                Size = h.Edges[b + 1] - h.Edges[b],
                FillColor = color.WithAlpha(0.40),
                LineColor = color,
                LineWidth = 1,
            }).ToArray();
            plot.Add.Bars(bars).LegendText = $"{series[i].Series} (n={series[i].Count ?? series[i].Values.Count}, median {Median(series[i].Values).ToString("0.##", CultureInfo.InvariantCulture)})";
        }
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(0, plot.Axes.GetLimits().Top);
        plot.ShowLegend(Edge.Bottom);
        return Render(plot, $"Histogram of {title} ({unit}) by {string.Join(", ", series.Select(s => s.Series))}", width, height);
    }

    internal static double Median(IReadOnlyList<double> values) =>
        values.Count == 0 ? double.NaN : ScottPlot.Statistics.Descriptive.Median(values.ToArray());

    private static Plot NewPlot(string title, string? xLabel, string? yLabel)
    {
        var plot = new Plot();
        if (SansFont is not null) plot.Font.Set(SansFont);
        plot.Title(title, 15);
        if (xLabel is not null) plot.XLabel(xLabel, 13);
        if (yLabel is not null) plot.YLabel(yLabel, 13);
        plot.Legend.FontSize = 11;
        return plot;
    }

    private static void AddBars(Plot plot, Bar[] bars, Color color, string legend, bool horizontal)
    {
        if (bars.Length == 0) return;
        var barPlot = plot.Add.Bars(bars);
        barPlot.Color = color;
        barPlot.Horizontal = horizontal;
        barPlot.LegendText = legend;
    }

    /// <summary>Interval whiskers at the given positions; asymmetric, from Low to High.</summary>
    private static void AddWhiskers(Plot plot, IReadOnlyList<ScoreInterval> scores, IReadOnlyList<double> positions, bool horizontal)
    {
        var means = scores.Select(s => s.Mean).ToList();
        var up = scores.Select(s => s.High - s.Mean).ToList();
        var down = scores.Select(s => s.Mean - s.Low).ToList();
        var zero = scores.Select(_ => 0.0).ToList();
        var bars = horizontal
            ? new ScottPlot.Plottables.ErrorBar(means, positions, up, down, zero, zero)
            : new ScottPlot.Plottables.ErrorBar(positions, means, zero, zero, up, down);
        bars.LineWidth = 1.8f;
        bars.CapSize = 8;
        bars.Color = BaseColor;
        plot.Add.Plottable(bars);
    }

    private static void AddLabel(Plot plot, string text, double x, double y, Alignment alignment, float size, float offset = 4)
    {
        var label = plot.Add.Text(text, x, y);
        label.LabelFontSize = size;
        label.LabelFontColor = Colors.Black;
        label.LabelAlignment = alignment;
        label.OffsetX = alignment is Alignment.LowerRight or Alignment.MiddleRight ? -offset : offset;
        label.OffsetY = alignment is Alignment.LowerLeft or Alignment.LowerRight or Alignment.LowerCenter ? -offset : 0;
    }

    /// <summary>ScottPlot draws linear axes; log scale is log10 data with ticks at 1-2-5 decades labelled in plain counts.</summary>
    private static void SetLogX(Plot plot, IEnumerable<double> values)
    {
        var list = values.DefaultIfEmpty(1).ToList();
        var (lo, hi) = (Math.Log10(list.Min()) - 0.25, Math.Log10(list.Max()) + 0.25);
        var ticks = new List<double>();
        for (var decade = Math.Floor(lo); decade <= Math.Ceiling(hi); decade++)
            foreach (var m in new[] { 1.0, 2.0, 5.0 })
            {
                var v = m * Math.Pow(10, decade);
                if (Math.Log10(v) >= lo && Math.Log10(v) <= hi) ticks.Add(v);
            }
        plot.Axes.Bottom.TickGenerator = new NumericManual(
            ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString("0", CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsX(lo, hi);
    }

    private static Chart Render(Plot plot, string alt, int width, int height, string? caption = null) =>
        new(alt, plot.GetSvgXml(width, height), width, height, caption);

    private static string F(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
