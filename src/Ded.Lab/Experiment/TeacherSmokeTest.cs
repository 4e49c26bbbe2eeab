using Ded.Evaluation;
using Ded.Reports;
using Ded.Runs;
using Ded.Selection;
using Ded.TeacherSelection;
using Ded.Training;

namespace Ded.Lab.Experiment;

/// <summary>What the smoke test decided, with the students it trained.</summary>
internal sealed record SmokeOutcome(string Winner, string BenchmarkBest, SmokeTest Metrics, IReadOnlyList<Histogram> EntropyHistograms,
    IReadOnlyDictionary<string, ConditionRun> Students, IReadOnlyDictionary<string, double> TokenEntropyBits);

/// <summary>
/// DED §1: each teacher answers every seed question once; the base student is fine-tuned on each teacher's corpus
/// with no correctness filter; the teacher whose student scores best wins. Beside it, the cheap signals (the
/// teacher's own accuracy, response length, the corpus's token entropy and loss under the base student) and how well
/// each would have ranked the teachers.
/// </summary>
internal static class TeacherSmokeTest
{
    /// <remarks>Each teacher's corpus is a selection in the store (`smoke:NAME`: sample 0 of every question, unfiltered),
    /// made through <see cref="CurationRun.SelectAsync"/> like every other corpus, so `ded show` traces it.</remarks>
    public static async Task<SmokeOutcome> RunAsync(RunStore store, PreparedRun run, IStudentScorer baseStudent, ConditionTrainer trainer,
        IReadOnlyDictionary<string, double> accuracy, IReadOnlyList<int> seeds, CurationServices services, CancellationToken ct)
    {
        var corpora = new List<Corpus>();
        foreach (var teacher in run.Teachers.Select(t => t.Spec.Name))
        {
            var selection = new SelectionSpec
            {
                Key = "smoke:" + teacher, Diversity = run.Recipe.Diversity with { Strategy = SelectionStrategy.All },
                Teacher = teacher, SampleIndex = 0, IsFiltered = false, IsCompressed = false,
            };
            await CurationRun.SelectAsync(store, selection, services, ct);
            corpora.Add(Corpus.Selected(store, selection.Key, selection.Key, $"one answer per question from {teacher}, unfiltered"));
        }
        var students = await trainer.TrainAndEvaluateAsync(corpora, ct, [seeds[0]]); // one run per teacher, as the paper
        var rows = new List<(string Teacher, ConditionRun Student, double Length, double Entropy, double Loss, double Rsr, IReadOnlyList<TokenScores> Scores)>();
        foreach (var (teacher, student) in run.Teachers.Select(t => t.Spec.Name).Zip(students))
        {
            var examples = student.Corpus.Examples;
            var scores = await baseStudent.ScoreAsync(examples, ct);
            rows.Add((teacher, student, examples.Average(e => e.Response.Length),
                scores.SelectMany(s => s.EntropiesBits).Average(), -scores.SelectMany(s => s.LogProbs).Average(), RankSurprisalRatio(scores), scores));
        }

        // Best student first; ties keep the recipe's teacher order.
        var ranked = rows.OrderByDescending(r => r.Student.InDomainPerSeed[0].Average()).ToList();
        string winner = ranked[0].Teacher;
        string benchmarkBest = rows.OrderByDescending(r => accuracy[r.Teacher]).First().Teacher;
        var perQuestion = rows.Select(r => r.Student.InDomainPerSeed[0]).ToArray();
        var names = rows.Select(r => r.Teacher).ToArray();

        var metrics = new SmokeTest
        {
            Winner = winner,
            BenchmarkBest = benchmarkBest,
            Teachers = rows.Select(r => new TeacherResult
            {
                Teacher = r.Teacher,
                StudentScore = ConditionRun.Interval(r.Student.InDomainPerSeed, r.Student.Pools.InDomainStrata),
                StudentOutOfDomain = ConditionRun.Interval(r.Student.OutOfDomainPerSeed, r.Student.Pools.OutOfDomainStrata),
                TeacherAccuracy = accuracy[r.Teacher],
                MeanResponseLength = r.Length,
                TokenEntropyBits = r.Entropy,
                StudentLossNats = r.Loss,
                RankSurprisalRatio = r.Rsr,
                Rank = ranked.FindIndex(x => x.Teacher == r.Teacher) + 1,
            }).ToList(),
            // Oriented so that a positive correlation means "the signal ranks teachers as the smoke test does".
            SignalCorrelations =
            [
                Signal("teacher's own accuracy (higher picks)", rows.Select(r => accuracy[r.Teacher]).ToArray(), perQuestion, names),
                Signal("low token entropy under the student", rows.Select(r => -r.Entropy).ToArray(), perQuestion, names),
                Signal("low student loss on the teacher's text", rows.Select(r => -r.Loss).ToArray(), perQuestion, names),
                Signal("short responses", rows.Select(r => -r.Length).ToArray(), perQuestion, names),
                Signal("low Rank-Surprisal Ratio (arXiv 2601.14249)", rows.Select(r => -r.Rsr).ToArray(), perQuestion, names),
            ],
        };
        var histograms = rows.Select(r => new Histogram
        {
            Title = "base student's mean token entropy per response, by teacher", Series = r.Teacher, Unit = "bits/token",
            Values = r.Scores.Select(s => s.MeanEntropyBits).ToArray(),
        }).ToList();
        return new SmokeOutcome(winner, benchmarkBest, metrics, histograms,
            rows.ToDictionary(r => r.Teacher, r => r.Student), rows.ToDictionary(r => r.Teacher, r => r.Entropy));
    }

    private static SignalCorrelation Signal(string name, double[] signal, IReadOnlyList<IReadOnlyList<double>> perQuestion, string[] teachers)
    {
        var rho = Statistics.SpearmanInterval(signal, perQuestion, new BootstrapOptions { Seed = 1 });
        return new(name, rho.Mean, teachers[Array.IndexOf(signal, signal.Max())]) { Low = rho.Low, High = rho.High, Teachers = rho.N };
    }

    /// <summary>The teacher's Rank-Surprisal Ratio as select-teacher computes it (one implementation of the reference);
    /// NaN when the student gave no ranks.</summary>
    private static double RankSurprisalRatio(IReadOnlyList<TokenScores> scores)
    {
        var scored = scores.Select((s, i) => TeacherSignals.Of(i.ToString(System.Globalization.CultureInfo.InvariantCulture), s))
            .OfType<TrajectorySignal>().ToList();
        return scored.Count == 0 ? double.NaN : TeacherSignals.Aggregate(scored, 0).Rsr ?? double.NaN;
    }
}
