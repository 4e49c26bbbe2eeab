using Ded.Reports;

namespace Ded.Tests.Reports;

/// <summary>
/// Lab-run metrics with realistic shapes: four lab teachers, DED and six controls, three seeds.
/// <see cref="DedWins"/> separates DED from every control; <see cref="DedInsideControls"/> does not.
/// </summary>
internal static class ReportFixtures
{
    public static readonly string[] Teachers = ["oracle", "careful", "verbose", "explorer"];

    public static RunMetrics DedWins() => Build(
        ded: new(0.56, 0.51, 0.61, 720),
        controls: [new(0.44, 0.39, 0.49, 720), new(0.41, 0.36, 0.46, 720), new(0.38, 0.33, 0.43, 720),
                   new(0.45, 0.40, 0.50, 720), new(0.46, 0.42, 0.50, 720), new(0.40, 0.35, 0.45, 720)]);

    public static RunMetrics DedInsideControls() => Build(
        ded: new(0.47, 0.41, 0.53, 720),
        controls: [new(0.45, 0.39, 0.51, 720), new(0.41, 0.36, 0.46, 720), new(0.38, 0.33, 0.43, 720),
                   new(0.44, 0.38, 0.50, 720), new(0.43, 0.38, 0.48, 720), new(0.40, 0.35, 0.45, 720)]);

    private static readonly (string Name, string Description, int Samples, int Questions)[] ConditionShapes =
    [
        ("ded", "correct, hard, P=4 most diverse per question (Levenshtein)", 960, 240),
        ("random-p", "correct, hard, P=4 chosen at random", 960, 240),
        ("longest-p", "correct, hard, the P=4 longest", 960, 240),
        ("shortest-p", "correct, hard, the P=4 shortest", 960, 240),
        ("no-compression", "correct, hard, every correct answer (no diversity pick)", 1280, 240),
        ("full-corpus", "every question, one answer each, unfiltered", 2400, 600),
        ("benchmark-best-teacher", "same recipe with the most accurate teacher (oracle)", 960, 240),
    ];

    private static RunMetrics Build(ScoreInterval ded, IReadOnlyList<ScoreInterval> controls)
    {
        var inDomain = controls.Prepend(ded).ToList();
        var conditions = ConditionShapes.Select((shape, i) => new ConditionResult
        {
            Name = shape.Name,
            Description = shape.Description,
            Samples = shape.Samples,
            Questions = shape.Questions,
            InDomain = inDomain[i],
            OutOfDomain = Shift(inDomain[i], -0.12 - 0.01 * i),
            MajorityInDomain = Shift(inDomain[i], 0.04),
            PassAtKInDomain = Shift(inDomain[i], 0.15),
            TruncationRate = 0.01 + 0.005 * i,
            NoAnswerRate = 0.02 + 0.003 * i,
            PerSeedInDomain = [inDomain[i].Mean - 0.02, inDomain[i].Mean, inDomain[i].Mean + 0.02],
            PerSeedOutOfDomain = [inDomain[i].Mean - 0.14, inDomain[i].Mean - 0.12, inDomain[i].Mean - 0.10],
        }).ToList();
        return new RunMetrics
        {
            Run = new RunInfo
            {
                Name = "lab-full-2026-11-26",
                RecipePath = "recipes/lab/full.yaml",
                Seeds = [1, 2, 3],
                IsQuick = false,
                StartedAt = new DateTimeOffset(2026, 11, 26, 9, 30, 0, TimeSpan.Zero),
                WallSeconds = 5423,
                Settings = new Dictionary<string, string>
                {
                    ["teacher (smoke-test winner)"] = "careful",
                    ["M samples per question"] = "8",
                    ["P chosen per question"] = "4",
                    ["k eval samples"] = "4",
                    ["difficulty threshold"] = "student pass rate <= 0.75",
                    ["student"] = "lab-tiny (6.2M params)",
                    ["in-domain"] = "arithmetic, linear, remainder",
                    ["out-of-domain"] = "trace",
                },
            },
            Funnel = new Funnel
            {
                QuestionsIn = 600, Contaminated = 12, Duplicates = 31, NoCorrectAnswer = 57, TooEasy = 260, QuestionsKept = 240,
                TrajectoriesSampled = 1920, Truncated = 96, BadlyFormed = 41, Wrong = 503, Selected = 960,
            },
            SmokeTest = Smoke(),
            Conditions = conditions,
            BaseStudent = new ConditionResult
            {
                Name = "base", Description = "the student before distillation",
                InDomain = new(0.22, 0.18, 0.26, 720), OutOfDomain = new(0.15, 0.11, 0.19, 720),
            },
            Claims =
            [
                new("A teacher's own accuracy does not pick the best teacher", "QwQ beat R1 (79.58 vs 73.96)", "careful beat oracle (0.47 vs 0.39)", ClaimVerdict.Supported),
                new("Diverse selection beats random selection at equal size", "81.87 vs ~80.00", "0.56 vs 0.44, intervals separated", ClaimVerdict.Supported),
                new("A compressed corpus matches the full corpus", "965 samples beat 1000", "0.56 (960) vs 0.46 (2400)", ClaimVerdict.Supported),
                new("Gains carry to out-of-domain tasks", "LiveCodeBench +", "OOD intervals overlap", ClaimVerdict.Inconclusive),
                new("Low student loss on a teacher predicts the winner", "entropy, not loss, tracked it", "loss picked verbose", ClaimVerdict.Contradicted),
            ],
            Histograms = Histograms(),
            Selected = Enumerable.Range(0, 6).Select(Question).ToList(),
        };
    }

    private static SmokeTest Smoke() => new()
    {
        Winner = "careful",
        BenchmarkBest = "oracle",
        Teachers =
        [
            Teacher("careful", new(0.47, 0.41, 0.53, 240), 0.91, 412, 1.84, 0.93, 1),
            Teacher("explorer", new(0.42, 0.36, 0.48, 240), 0.83, 655, 2.31, 1.12, 2),
            Teacher("oracle", new(0.39, 0.33, 0.45, 240), 0.97, 96, 1.21, 0.71, 3),
            Teacher("verbose", new(0.35, 0.29, 0.41, 240), 0.88, 1340, 2.02, 1.05, 4),
        ],
        SignalCorrelations =
        [
            new("teacher accuracy", -0.40, "oracle"),
            new("token entropy", 0.80, "careful") { Low = 0.20, High = 0.95, Teachers = 4 },
            new("student loss", -0.20, "oracle"),
            new("mean length", 0.00, null),
        ],
    };

    private static TeacherResult Teacher(string name, ScoreInterval student, double accuracy, double length, double entropy, double loss, int rank) => new()
    {
        Teacher = name, StudentScore = student, StudentOutOfDomain = Shift(student, -0.1), TeacherAccuracy = accuracy,
        MeanResponseLength = length, TokenEntropyBits = entropy, StudentLossNats = loss, Rank = rank,
    };

    private static IReadOnlyList<Histogram> Histograms()
    {
        var random = new Random(20251126); // fixed seed: the fixture must be identical on every run
        var meanLength = new Dictionary<string, double> { ["oracle"] = 96, ["careful"] = 412, ["verbose"] = 1340, ["explorer"] = 655 };
        var lengths = Teachers.Select(t => new Histogram
        {
            Title = "response length", Series = t, Unit = "tokens",
            Values = Enumerable.Range(0, 200).Select(_ => Math.Round(meanLength[t] * Math.Exp(0.35 * Gaussian(random)))).ToList(),
        });
        var entropy = new[] { ("ded", 2.1), ("random-p", 1.8) }.Select(s => new Histogram
        {
            Title = "per-token entropy", Series = s.Item1, Unit = "bits",
            Values = Enumerable.Range(0, 300).Select(_ => Math.Max(0, s.Item2 + 0.5 * Gaussian(random))).ToList(),
        });
        return [.. lengths, .. entropy];
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static SelectedQuestion Question(int i)
    {
        var a = 17 + i * 7;
        var b = 5 + i;
        var chosen = new[]
        {
            new SelectedTrajectory($"q{i:000}-careful-2", "careful", $"<think>\n{a} mod {b}: {a} = {b}*{a / b} + {a % b}.\n</think>\nThe answer is \\boxed{{{a % b}}}.", "seed: longest correct answer"),
            new SelectedTrajectory($"q{i:000}-careful-5", "careful", $"<think>\nSubtract {b} repeatedly from {a}: {string.Join(", ", Enumerable.Range(0, a / b + 1).Select(k => a - k * b))}.\n</think>\n\\boxed{{{a % b}}}", "farthest from #1 (distance 61)"),
            new SelectedTrajectory($"q{i:000}-careful-0", "careful", $"<think>\n{a} / {b} = {a / (double)b:0.###}, floor {a / b}, remainder {a} - {a / b * b}.\n</think>\nSo the remainder is \\boxed{{{a % b}}}.", "max-min distance to #1, #2 (48)"),
            new SelectedTrajectory($"q{i:000}-careful-7", "careful", $"<think>\nCheck: {b} x {a / b} = {a / b * b} <= {a} < {b * (a / b + 1)}.\n</think>\n\\boxed{{{a % b}}}", "max-min distance to #1..#3 (39)"),
        };
        int[] distances = [0, 61, 52, 47, 61, 0, 48, 55, 52, 48, 0, 39, 47, 55, 39, 0];
        return new SelectedQuestion
        {
            QuestionId = $"remainder-{i:000}",
            Question = $"What is the remainder when {a} is divided by {b}? Give the answer in \\boxed{{}}.",
            Chosen = chosen,
            Distances = distances,
        };
    }

    private static ScoreInterval Shift(ScoreInterval s, double by) =>
        new(Math.Round(s.Mean + by, 2), Math.Round(s.Low + by, 2), Math.Round(s.High + by, 2), s.N);
}
