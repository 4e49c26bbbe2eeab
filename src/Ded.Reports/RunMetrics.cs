using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ded.Reports;

/// <summary>
/// Everything a run measured, as written to <c>metrics.json</c> in the run folder and read by the report.
/// Sections a run did not perform are null or empty (a curation-only run has no smoke test or conditions).
/// </summary>
public sealed record RunMetrics
{
    public required RunInfo Run { get; init; }
    /// <summary>Whether the lab's testbed can tell distillation from noise (its controls and power); null outside the lab.</summary>
    public Testbed? Testbed { get; init; }
    public Funnel? Funnel { get; init; }
    /// <summary>Every teacher request attempt of the run by outcome, with the failures by cause; null when no rollout ran.</summary>
    public RequestMetrics? Requests { get; init; }
    public SmokeTest? SmokeTest { get; init; }
    /// <summary>`ded select-teacher`'s outcome in this run folder (the smoke test on a recipe's teachers); null when it did not run.</summary>
    public Ded.TeacherSelection.SelectionOutcome? SelectTeacher { get; init; }
    /// <summary>DED and its controls, each trained and evaluated; the first is DED itself.</summary>
    public IReadOnlyList<ConditionResult> Conditions { get; init; } = [];
    /// <summary>The student before any distillation, evaluated like the conditions.</summary>
    public ConditionResult? BaseStudent { get; init; }
    public IReadOnlyList<ClaimCheck> Claims { get; init; } = [];
    /// <summary>Response lengths (characters or tokens, see <see cref="Histogram.Unit"/>) and per-token entropies, by teacher or corpus.</summary>
    public IReadOnlyList<Histogram> Histograms { get; init; } = [];
    /// <summary>A sample of selected trajectories for the report's browser.</summary>
    public IReadOnlyList<SelectedQuestion> Selected { get; init; } = [];
    /// <summary>Where the curation's time went, stage by stage, in the order they ran.</summary>
    public IReadOnlyList<Runs.StageTiming> Stages { get; init; } = [];
    /// <summary>The SFT loss of every fine-tune, step by step (one curve per corpus and seed).</summary>
    public IReadOnlyList<LossCurve> LossCurves { get; init; } = [];

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A rank correlation over teachers whose students all score the same is undefined (NaN), not an error.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}

public sealed record RunInfo
{
    public required string Name { get; init; }
    public required string RecipePath { get; init; }
    public IReadOnlyList<int> Seeds { get; init; } = [];
    public bool IsQuick { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>User plus system CPU seconds of the process that ran the stages (every thread).</summary>
    public double CpuSeconds { get; init; }
    /// <summary>That process's peak resident set (VmHWM), in bytes.</summary>
    public long PeakResidentBytes { get; init; }
    /// <summary>The resolved settings that matter for reading the numbers (M, P, k, threshold, sizes).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}

/// <summary>How many questions and trajectories each curation step removed.</summary>
public sealed record Funnel
{
    public int QuestionsIn { get; init; }
    public int Contaminated { get; init; }
    public int Duplicates { get; init; }
    public int NoCorrectAnswer { get; init; }
    public int TooEasy { get; init; }
    public int QuestionsKept { get; init; }
    public int TrajectoriesSampled { get; init; }
    public int Truncated { get; init; }
    public int BadlyFormed { get; init; }
    public int Wrong { get; init; }
    public int Selected { get; init; }
    /// <summary>What the user should look at, e.g. a teacher whose responses carried no reasoning at all.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// A run's teacher requests, every attempt counted (run.db's <c>requests</c> rows): answered, retried (a later attempt
/// followed), failed (the request's last attempt), abandoned (left in flight by a killed process, then resent).
/// </summary>
public sealed record RequestMetrics
{
    public int Attempts { get; init; }
    public int Answered { get; init; }
    public int Retried { get; init; }
    public int Failed { get; init; }
    public int Abandoned { get; init; }
    /// <summary>Samples the recipe asks for that the run still lacks (their requests failed); rerunning sends them again.</summary>
    public int SamplesMissing { get; init; }
    /// <summary>Retried and failed attempts by cause and HTTP status, failed first, with what to do and the latest error.</summary>
    public IReadOnlyList<FailureCause> Causes { get; init; } = [];
}

/// <summary>Attempts of one outcome (<c>retried</c> or <c>failed</c>) and cause.</summary>
public sealed record FailureCause(string Outcome, string Cause, int? StatusCode, int Count, string Advice, string Latest);

/// <summary>A score with its 95% interval; <see cref="N"/> counts questions (times seeds where pooled).</summary>
public sealed record ScoreInterval(double Mean, double Low, double High, int N);

/// <summary>The teacher smoke test (DED §2.1) with the cheap teacher-fit signals next to it.</summary>
public sealed record SmokeTest
{
    public required IReadOnlyList<TeacherResult> Teachers { get; init; }
    /// <summary>The teacher whose student scored best: DED's choice.</summary>
    public required string Winner { get; init; }
    /// <summary>The teacher with the best own accuracy: the naive choice.</summary>
    public required string BenchmarkBest { get; init; }
    /// <summary>Spearman correlation of each cheap signal with the smoke-test ranking (higher = agrees).</summary>
    public IReadOnlyList<SignalCorrelation> SignalCorrelations { get; init; } = [];
}

public sealed record TeacherResult
{
    public required string Teacher { get; init; }
    /// <summary>In-domain score of the student fine-tuned on this teacher's one-per-question corpus.</summary>
    public required ScoreInterval StudentScore { get; init; }
    public ScoreInterval? StudentOutOfDomain { get; init; }
    public double TeacherAccuracy { get; init; }
    public double MeanResponseLength { get; init; }
    /// <summary>Mean per-token entropy (bits) of the student's predictive distribution over the teacher's corpus.</summary>
    public double TokenEntropyBits { get; init; }
    /// <summary>The base student's mean per-token loss (nats) on the teacher's responses.</summary>
    public double StudentLossNats { get; init; }
    /// <summary>Rank-Surprisal Ratio of the teacher's responses under the base student (arXiv 2601.14249): mean clipped
    /// token rank over mean surprisal; lower fits better. NaN when the student cannot rank tokens.</summary>
    public double RankSurprisalRatio { get; init; } = double.NaN;
    public int Rank { get; init; }
}

/// <summary>A cheap signal's Spearman rho with the smoke-test scores over <see cref="Teachers"/> teachers, with its 95%
/// bootstrap interval (teachers and questions resampled).</summary>
public sealed record SignalCorrelation(string Signal, double Spearman, string? PicksTeacher)
{
    public double Low { get; init; } = double.NaN;
    public double High { get; init; } = double.NaN;
    public int Teachers { get; init; }
}

public enum TestbedStatus { Passed, Failed, NoPower }

/// <summary>
/// The testbed's own checks, judged before any claim: a positive control (distillation on DED's corpus beats the base
/// student) and a negative control (the same questions with wrong-answer traces score below it). A claim read off a
/// testbed that fails them means nothing; one seed (--quick) has no power to judge them at all.
/// </summary>
public sealed record Testbed
{
    public required TestbedStatus Status { get; init; }
    /// <summary>One sentence: passed, or which control failed, or why there is no power.</summary>
    public required string Summary { get; init; }
    public IReadOnlyList<ControlCheck> Controls { get; init; } = [];
    /// <summary>The smallest in-domain difference the paired intervals resolve: the median half-width of the 95%
    /// intervals of DED minus each control.</summary>
    public double ResolvableDifference { get; init; }
    public string PowerNote { get; init; } = "";
}

/// <summary>A control: the difference it looks at, its interval, and whether it lies where a working testbed puts it.</summary>
public sealed record ControlCheck(string Name, string Expectation, ScoreInterval Difference, bool IsPassed);

/// <summary>Mean loss per target token at each optimizer step of one fine-tune.</summary>
public sealed record LossCurve(string Corpus, int Seed, IReadOnlyList<double> Losses);

/// <summary>One trained-and-evaluated corpus: DED or a control.</summary>
public sealed record ConditionResult
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public int Samples { get; init; }
    public int Questions { get; init; }
    public required ScoreInterval InDomain { get; init; }
    public required ScoreInterval OutOfDomain { get; init; }
    public ScoreInterval? MajorityInDomain { get; init; }
    public ScoreInterval? PassAtKInDomain { get; init; }
    public double TruncationRate { get; init; }
    public double NoAnswerRate { get; init; }
    /// <summary>In-domain avg@k of each seed, in seed order.</summary>
    public IReadOnlyList<double> PerSeedInDomain { get; init; } = [];
    public IReadOnlyList<double> PerSeedOutOfDomain { get; init; } = [];
}

/// <summary>Untestable: the testbed's controls failed (or it has no power), so the claim gets no verdict.</summary>
public enum ClaimVerdict { Supported, Contradicted, Inconclusive, Untestable }

/// <summary>One of the paper's claims set against what this run measured.</summary>
public sealed record ClaimCheck(string Claim, string Paper, string Measured, ClaimVerdict Verdict);

public sealed record Histogram
{
    public required string Title { get; init; }
    public required string Series { get; init; }
    public required string Unit { get; init; }
    /// <summary>The values, or a seeded uniform sample of them when there are more than a report can use (see <see cref="Count"/>).</summary>
    public required IReadOnlyList<double> Values { get; init; }
    /// <summary>How many values the series has; null when <see cref="Values"/> holds them all.</summary>
    public int? Count { get; init; }
}

/// <summary>A question in the trajectory browser: the P chosen answers, why, and their pairwise distances.</summary>
public sealed record SelectedQuestion
{
    public required string QuestionId { get; init; }
    public required string Question { get; init; }
    public required IReadOnlyList<SelectedTrajectory> Chosen { get; init; }
    /// <summary>Levenshtein distances between the chosen answers, row-major, Chosen.Count squared.</summary>
    public IReadOnlyList<int> Distances { get; init; } = [];
}

public sealed record SelectedTrajectory(string TrajectoryId, string Teacher, string Text, string Reason);
