using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ded.Recipes;
using Ded.Reports;
using Ded.Selection;
using Ded.Teachers.Endpoints;

namespace Ded.Runs;

/// <summary>
/// The curation part of a run's <c>metrics.json</c> (run info, funnel, lengths, selected examples, stage timings),
/// from the store: counts come from the database's own aggregates and lengths from one streamed pass, so building it
/// holds a constant amount whatever the run's size.
/// </summary>
public static class CurationMetrics
{
    private const int BrowserQuestions = 20; // enough to browse, small enough to keep metrics.json readable
    private const int HistogramSample = 10_000; // per series: a histogram's shape, at a size a report can draw

    /// <summary>Builds the metrics; the run info's CPU and peak memory are this process's, so build them where the stages ran.</summary>
    public static RunMetrics Build(RunStore store, Recipe recipe, bool isQuick, DateTimeOffset startedAt)
    {
        var strategy = RunStore.Snake(recipe.Diversity.Strategy);
        using var self = Process.GetCurrentProcess();
        return new RunMetrics
        {
            Run = new RunInfo
            {
                Name = recipe.Name, RecipePath = Path.Combine(store.Folder, "recipe.yaml"), Seeds = [(int)recipe.Sampling.Seed],
                IsQuick = isQuick, StartedAt = startedAt, WallSeconds = (DateTimeOffset.UtcNow - startedAt).TotalSeconds,
                CpuSeconds = self.TotalProcessorTime.TotalSeconds, PeakResidentBytes = self.PeakWorkingSet64, // VmHWM on Linux
                Settings = Settings(recipe),
            },
            Funnel = Funnel(store, strategy, recipe),
            Requests = Requests(store),
            Histograms = LengthHistograms(store, recipe.Sampling.Seed),
            Selected = Browser(store, strategy),
            SelectTeacher = TeacherSelection.TeacherSelectionStage.Load(store),
            Stages = store.StageTimings(),
        };
    }

    /// <summary>Writes <c>metrics.json</c> into the run folder.</summary>
    public static string Write(RunStore store, RunMetrics metrics) =>
        store.WriteFileAtomically("metrics.json", JsonSerializer.Serialize(metrics, RunMetrics.Json));

    private static Dictionary<string, string> Settings(Recipe r) => new()
    {
        ["M"] = r.Sampling.SamplesPerQuestion.ToString(CultureInfo.InvariantCulture),
        ["P"] = r.Diversity.P.ToString(CultureInfo.InvariantCulture),
        ["k"] = r.Compression.K.ToString(CultureInfo.InvariantCulture),
        ["threshold"] = r.Compression.Threshold.ToString(CultureInfo.InvariantCulture),
        ["temperature"] = r.Sampling.Temperature.ToString(CultureInfo.InvariantCulture),
        ["teachers"] = string.Join(",", r.Teachers.Select(t => t.Name)),
        ["strategy"] = RunStore.Snake(r.Diversity.Strategy),
    };

    private static readonly string[] FilterOrder = ["truncation", "max_length", "think_pairing", "correctness"];

    private static Funnel Funnel(RunStore store, string strategy, Recipe recipe)
    {
        // Each dropped trajectory counts once, at the first filter it failed, so the funnel's steps add up.
        var firstFailure = store.FirstFailedFilters(FilterOrder);
        int Failed(params string[] filters) => filters.Sum(f => firstFailure.GetValueOrDefault(f));
        int questions = store.QuestionCount();
        var selected = store.SelectedCounts(strategy);
        return new Funnel
        {
            QuestionsIn = questions,
            NoCorrectAnswer = questions - store.PassedAllFiltersCounts().Questions,
            TooEasy = store.DroppedByCompressionCount(),
            QuestionsKept = selected.Questions,
            TrajectoriesSampled = store.TrajectoryCount(),
            Truncated = Failed("truncation", "max_length"), // cut off by the endpoint or over the recipe's length limit
            BadlyFormed = Failed("think_pairing"),
            Wrong = Failed("correctness"),
            Selected = selected.Trajectories,
            Warnings = Filtering.TrajectoryFilters.MissingReasoningWarnings(store.ReasoningByTeacher(), recipe.Filters),
        };
    }

    /// <summary>Every attempt the run's requests took; the causes of the retried and failed ones with what to do.</summary>
    public static RequestMetrics Requests(RunStore store)
    {
        var ledger = store.Requests();
        var causes = store.FailedAttempts();
        int Of(string outcome) => causes.Where(c => c.Outcome == outcome).Sum(c => c.Count);
        var rollout = store.Metrics("rollout");
        int Saved(string name) => rollout.TryGetValue(name, out var value) ? (int)value : 0;
        return new RequestMetrics
        {
            Attempts = ledger.Done + ledger.Failed + ledger.Abandoned + ledger.InFlight + Of("retried"),
            Answered = ledger.Done, Retried = Of("retried"), Failed = ledger.Failed, Abandoned = ledger.Abandoned,
            SamplesMissing = Math.Max(0, Saved("planned") - Saved("stored")),
            Causes = causes.Select(c => new FailureCause(c.Outcome, c.Cause, c.StatusCode, c.Count, c.Advice, FaultCauses.Shorten(c.Example))).ToList(),
        };
    }

    /// <summary>Response lengths by teacher: all of them, or a seeded uniform sample of each teacher's, sorted.</summary>
    private static List<Histogram> LengthHistograms(RunStore store, long seed)
    {
        var series = new SortedDictionary<string, LengthSample>(StringComparer.Ordinal);
        store.EachResponseLength((id, teacher, length) =>
        {
            if (!series.TryGetValue(teacher, out var sample)) series[teacher] = sample = new LengthSample(HistogramSample, seed);
            sample.Add(id, length);
        });
        return series.Select(s => new Histogram
        {
            Title = "response length by teacher", Series = s.Key, Unit = "chars", Values = s.Value.Values(),
            Count = s.Value.Seen > HistogramSample ? s.Value.Seen : null,
        }).ToList();
    }

    private static List<SelectedQuestion> Browser(RunStore store, string strategy) =>
        store.FirstSelectedQuestions(strategy, BrowserQuestions).Select(questionId =>
        {
            var chosen = store.SelectedOf(strategy, questionId).Select(s => (Decision: s, Trajectory: store.Trajectory(s.TrajectoryId)!)).ToList();
            return new SelectedQuestion
            {
                QuestionId = questionId, Question = store.Question(questionId)!.Text,
                Chosen = chosen.Select(c => new SelectedTrajectory(c.Trajectory.Id, c.Trajectory.Teacher, c.Trajectory.RawResponse, c.Decision.Reason)).ToList(),
                Distances = FarthestPoint.PairwiseDistances(chosen.Select(c => c.Trajectory.RawResponse).ToList()),
            };
        }).ToList();
}
