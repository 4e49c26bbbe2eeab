using Ded.Reports;
using Ded.Training;

namespace Ded.Lab.Experiment;

/// <summary>
/// The testbed's controls, judged before any claim. Positive: fine-tuning on DED's corpus beats the base student
/// in-domain (else the student cannot learn from traces here, and no claim about traces can be read). Negative: the
/// same questions with wrong-answer traces (one value slipped and carried forward, in the winner's style) score below
/// DED's correct-only corpus (else the student learns the format, not the reasoning, and correctness is invisible).
/// </summary>
internal static class TestbedControls
{
    public const string NegativeName = "negative-control";

    /// <summary>DED's corpus with every trace replaced by the winner's wrong answer to the same question (equal count).</summary>
    public static Corpus WrongAnswers(Corpus ded, string winner, float temperature, long seed)
    {
        var examples = new List<SftExample>(ded.Examples.Count);
        for (int i = 0; i < ded.Examples.Count; i++)
        {
            var e = ded.Examples[i];
            string gold = LabWorld.Solve(e.Prompt, Slip.None)?.Solution.Answer
                ?? throw new InvalidOperationException($"the negative control needs lab questions: '{e.Prompt}' is none");
            if (LabTeachers.WrongAnswer(winner, e.Prompt, gold, (int)Rollouts.Hashing.Int63($"negative|{seed}|{i}"), temperature) is { } wrong)
                examples.Add(new SftExample(e.Prompt, wrong));
        }
        return new Corpus(NegativeName, $"DED's questions, each trace replaced by a wrong answer in {winner}'s style (one slip carried forward)",
            examples, ded.Questions);
    }

    /// <summary>Both controls and the power; one seed has no power to judge them.</summary>
    public static Testbed Judge(ConditionRun ded, ConditionRun negative, ConditionRun baseStudent, IReadOnlyList<ConditionRun> conditions)
    {
        var positive = ClaimJudge.Difference(ded, baseStudent);
        var wrong = ClaimJudge.Difference(negative, ded);
        ControlCheck[] controls =
        [
            new("positive", $"{ded.Corpus.Name} − base student, in-domain avg@k: above zero", Interval(positive), positive.Low > 0),
            new("negative", $"{NegativeName} − {ded.Corpus.Name}, in-domain avg@k: below zero", Interval(wrong), wrong.High < 0),
        ];
        var halfWidths = conditions.Where(c => c != ded)
            .Select(c => ClaimJudge.Difference(ded, c))
            .Select(d => (d.High - d.Low) / 2).Order().ToArray();
        double resolvable = halfWidths.Length == 0 ? double.NaN : halfWidths[halfWidths.Length / 2];
        int seeds = ded.InDomain.Count, questions = ded.InDomainPerSeed[0].Count;
        var (status, summary) = seeds < 2
            ? (TestbedStatus.NoPower, $"one training seed cannot tell training noise from an effect; claims are not judged (`ded lab` trains three)")
            : controls.All(c => c.IsPassed)
                ? (TestbedStatus.Passed, "the student learns from traces (positive control) and from their correctness (negative control)")
                : (TestbedStatus.Failed, string.Join(" and ", controls.Where(c => !c.IsPassed).Select(c => $"the {c.Name} control")) + " did not hold: no claim can be judged");
        return new Testbed
        {
            Status = status, Summary = summary, Controls = controls, ResolvableDifference = resolvable,
            PowerNote = $"{seeds} seed(s) × {questions} in-domain questions: DED and a control differing by less than ±{resolvable:0.000} in-domain "
                + "cannot be told apart (median half-width of the paired 95% intervals, DED minus each control)",
        };
    }

    private static ScoreInterval Interval(Evaluation.Score d) => new(d.Mean, d.Low, d.High, d.N);
}
