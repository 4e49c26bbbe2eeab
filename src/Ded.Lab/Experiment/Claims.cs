using Ded.Reports;

namespace Ded.Lab.Experiment;

/// <summary>Each claim of the paper (DED.md), its number there, and the lab's verdict from the intervals.</summary>
internal static class Claims
{
    private const double Margin = 0.05; // "about the same" / "no worse": within 5 points of accuracy
    private const string WinnerClaim = "The smoke-test winner beats the benchmark-best teacher through the whole pipeline";
    private const string WinnerPaper = "QwQ (lower own score) → 79.58/73.22 vs R1 → 73.96/65.83 (one answer per question)";

    /// <summary>Every claim with its verdict; when the testbed did not pass, each reads "untestable" with the reason
    /// first and what was measured after it (a number a failed testbed produced is not evidence either way).</summary>
    public static IReadOnlyList<ClaimCheck> Judge(SmokeOutcome smoke, IReadOnlyList<ConditionRun> conditions, ConditionRun baseStudent, Testbed testbed)
    {
        var claims = Measure(smoke, conditions, baseStudent);
        if (testbed.Status == TestbedStatus.Passed) return claims;
        string why = testbed.Status == TestbedStatus.NoPower ? "untestable: one seed has no power"
            : "untestable: " + string.Join(" and ", testbed.Controls.Where(x => !x.IsPassed).Select(x => x.Name)) + " control failed";
        return claims.Select(x => x with { Verdict = ClaimVerdict.Untestable, Measured = $"{why} (measured: {x.Measured})" }).ToList();
    }

    private static IReadOnlyList<ClaimCheck> Measure(SmokeOutcome smoke, IReadOnlyList<ConditionRun> conditions, ConditionRun baseStudent)
    {
        var c = conditions.ToDictionary(x => x.Corpus.Name);
        var ded = c["ded"];
        return
        [
            TeacherChoice(smoke),
            Compare("DED's curated corpus beats the full unfiltered corpus, with far fewer samples",
                "965 curated samples: AIME24 81.87 vs 73.96–79.58 from 1,000 unfiltered (and 3k–120k-sample students)",
                ded, c["full-corpus"], inDomain: true, ClaimJudge.Better),
            Compare("Question compression keeps in-domain accuracy",
                "237 hard questions: AIME24 79.37 vs 80.00 with all 830 (within noise)",
                ded, c["no-compression"], inDomain: true, d => ClaimJudge.NoWorse(d, Margin)),
            Compare("Question compression protects out-of-domain skills",
                "claimed (a smaller corpus does less OOD damage) but not measured",
                ded, c["no-compression"], inDomain: false, ClaimJudge.Better),
            Compare("Farthest-P (Levenshtein-diverse) answers beat P chosen at random",
                "not tested: ~4 diverse answers lift AIME24 79.37 → 81.87, but against one answer, not random four",
                ded, c["random-p"], inDomain: true, ClaimJudge.Better),
            Compare("Trace length is not what matters",
                "shortest vs longest QwQ traces gave similar students",
                c["longest-p"], c["shortest-p"], inDomain: true, d => ClaimJudge.Similar(d, Margin)),
            Compare("Distillation on the curated corpus does not erode out-of-domain skills",
                "general benchmarks (MMLU, BBH, GSM8K, ...) went up rather than down",
                ded, baseStudent, inDomain: false, d => ClaimJudge.NoWorse(d, Margin)),
            smoke.Winner == smoke.BenchmarkBest
                ? new ClaimCheck(WinnerClaim, WinnerPaper, $"the smoke-test winner is the benchmark-best teacher ({smoke.Winner}): one corpus, nothing to compare", ClaimVerdict.Inconclusive)
                : Compare(WinnerClaim, WinnerPaper, ded, c["benchmark-best-teacher"], inDomain: true, ClaimJudge.Better),
            EntropySignal(smoke),
        ];
    }

    private static ClaimCheck Compare(string claim, string paper, ConditionRun a, ConditionRun b, bool inDomain, Func<Evaluation.Score, ClaimVerdict> verdict)
    {
        var d = ClaimJudge.Difference(a, b, inDomain);
        string where = inDomain ? "in-domain" : "out-of-domain";
        return new ClaimCheck(claim, paper, $"{a.Corpus.Name} − {b.Corpus.Name}, {where} avg@k: {ClaimJudge.Describe(d)}", verdict(d));
    }

    private static ClaimCheck TeacherChoice(SmokeOutcome smoke)
    {
        const string claim = "The teacher with the best own score is not the best teacher to learn from";
        const string paper = "QwQ-32B's students beat R1's and Qwen3-235B's, though those score higher themselves";
        if (smoke.Winner == smoke.BenchmarkBest)
            return new ClaimCheck(claim, paper, $"the most accurate teacher, {smoke.Winner}, also gave the best student", ClaimVerdict.Contradicted);
        var d = ClaimJudge.Difference(smoke.Students[smoke.Winner], smoke.Students[smoke.BenchmarkBest]);
        return new ClaimCheck(claim, paper,
            $"smoke test: {smoke.Winner}'s student − {smoke.BenchmarkBest}'s (the most accurate teacher): {ClaimJudge.Describe(d)}", ClaimJudge.Better(d));
    }

    private static ClaimCheck EntropySignal(SmokeOutcome smoke)
    {
        var rho = smoke.Metrics.SignalCorrelations.First(s => s.Signal.StartsWith("low token entropy", StringComparison.Ordinal));
        // The same rule as the differences: the interval (teachers and questions resampled) on one side of zero.
        var verdict = rho.Low > 0 ? ClaimVerdict.Supported : rho.High < 0 ? ClaimVerdict.Contradicted : ClaimVerdict.Inconclusive;
        return new ClaimCheck("A teacher corpus with lower token entropy makes a better student",
            "QwQ's corpus: mean entropy 0.477 bits vs R1's 0.705, and QwQ's students were better",
            $"Spearman(−entropy, smoke-test score) over {rho.Teachers} teachers = {rho.Spearman:+0.00;-0.00} [{rho.Low:+0.00;-0.00}, {rho.High:+0.00;-0.00}]; " +
            $"lowest entropy: {rho.PicksTeacher}, winner: {smoke.Winner}", verdict);
    }
}
