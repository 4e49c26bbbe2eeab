using System.Globalization;
using System.Text.Json;
using Ded.Recipes;
using Ded.Reports;
using Ded.Selection;
using Ded.Teachers.Endpoints;

namespace Ded.Runs;

/// <summary>The curation part of a run's <c>metrics.json</c> (run info, funnel, lengths, selected examples), from the store.</summary>
public static class CurationMetrics
{
    private const int BrowserQuestions = 20; // enough to browse, small enough to keep metrics.json readable

    public static RunMetrics Build(RunStore store, Recipe recipe, bool isQuick, DateTimeOffset startedAt)
    {
        var strategy = RunStore.Snake(recipe.Diversity.Strategy);
        return new RunMetrics
        {
            Run = new RunInfo
            {
                Name = recipe.Name, RecipePath = Path.Combine(store.Folder, "recipe.yaml"), Seeds = [(int)recipe.Sampling.Seed],
                IsQuick = isQuick, StartedAt = startedAt, WallSeconds = (DateTimeOffset.UtcNow - startedAt).TotalSeconds,
                Settings = Settings(recipe),
            },
            Funnel = Funnel(store, strategy, recipe),
            Requests = Requests(store),
            Histograms = store.Trajectories().GroupBy(t => t.Teacher).Select(g => new Histogram
            {
                Title = "response length by teacher", Series = g.Key, Unit = "chars", Values = g.Select(t => (double)t.RawResponse.Length).ToList(),
            }).ToList(),
            Selected = Browser(store, strategy),
            SelectTeacher = TeacherSelection.TeacherSelectionStage.Load(store),
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
        var firstFailure = store.FilterDecisions().Where(d => !d.Passed).GroupBy(d => d.TrajectoryId)
            .Select(g => g.MinBy(d => Array.IndexOf(FilterOrder, d.Filter))!.Filter).ToList();
        int Failed(params string[] filters) => firstFailure.Count(filters.Contains);
        var passed = store.PassedAllFilters();
        var trajectories = store.Trajectories();
        var withCorpus = trajectories.Where(t => passed.Contains(t.Id)).Select(t => t.QuestionId).ToHashSet();
        var selected = store.Selections(strategy).Where(s => s.IsSelected).ToList();
        int questions = store.Questions().Count;
        return new Funnel
        {
            QuestionsIn = questions,
            NoCorrectAnswer = questions - withCorpus.Count,
            TooEasy = store.CompressionDecisions().Count(c => !c.IsKept),
            QuestionsKept = selected.Select(s => s.QuestionId).Distinct().Count(),
            TrajectoriesSampled = trajectories.Count,
            Truncated = Failed("truncation", "max_length"), // cut off by the endpoint or over the recipe's length limit
            BadlyFormed = Failed("think_pairing"),
            Wrong = Failed("correctness"),
            Selected = selected.Count,
            Warnings = Filtering.TrajectoryFilters.MissingReasoningWarnings(trajectories, recipe.Filters),
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

    private static List<SelectedQuestion> Browser(RunStore store, string strategy)
    {
        var questions = store.Questions().ToDictionary(q => q.Id);
        return store.Selections(strategy).Where(s => s.IsSelected).GroupBy(s => s.QuestionId).Take(BrowserQuestions).Select(g =>
        {
            var chosen = g.OrderBy(s => s.Rank).Select(s => (Decision: s, Trajectory: store.Trajectory(s.TrajectoryId)!)).ToList();
            var texts = chosen.Select(c => c.Trajectory.RawResponse).ToList();
            return new SelectedQuestion
            {
                QuestionId = g.Key, Question = questions[g.Key].Text,
                Chosen = chosen.Select(c => new SelectedTrajectory(c.Trajectory.Id, c.Trajectory.Teacher, c.Trajectory.RawResponse, c.Decision.Reason)).ToList(),
                Distances = FarthestPoint.PairwiseDistances(texts),
            };
        }).ToList();
    }
}
