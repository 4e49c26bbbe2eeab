using System.Text;

namespace Ded.Lab;

/// <summary>
/// How a lab teacher writes: from the question's worked solution to a reasoning-model response. Styles differ in what a
/// small student could learn from them (step size, skipped steps, filler, checks, slips, the answer before the work);
/// none is told which of these helps: the smoke test measures it.
/// </summary>
internal abstract class LabTeacherStyle
{
    public abstract string Name { get; }

    /// <summary>Chance that one intermediate value slips, at temperature 1 (it scales with temperature).</summary>
    protected virtual double SlipRate => 0.03;

    protected virtual LabGranularity Granularity => LabGranularity.Plain;

    /// <summary>Chance of forgetting the carry of a sum or the borrow of a difference: a habit, not a slip, so it does
    /// not cool with temperature.</summary>
    protected virtual double ForgetsCarry => 0;

    /// <summary>The response; <paramref name="slip"/> overrides the style's own slips (a forced wrong answer).</summary>
    public string Answer(string question, Random rng, float temperature, Slip? slip = null)
    {
        slip ??= new Slip(rng, SlipRate * Math.Clamp(temperature, 0, 2), ForgetsCarry);
        if (LabWorld.Solve(question, slip, Granularity) is not { } solved)
            return "<think>\nI do not recognise this kind of problem.\n</think>\n\nI cannot answer this.";
        var think = new StringBuilder();
        string answer = Reason(question, solved.Solution, slip, think, rng, temperature);
        return Format(think.ToString().TrimEnd(), answer, rng, temperature);
    }

    /// <summary>Writes the reasoning into <paramref name="think"/> and returns the final answer.</summary>
    protected virtual string Reason(string question, LabSolution solution, Slip slip, StringBuilder think, Random rng, float temperature)
    {
        think.AppendLine(Pick(rng, temperature, Opening));
        foreach (var step in solution.Steps) think.AppendLine(step.Text);
        return solution.Answer;
    }

    protected virtual string[] Opening => Phrases.Careful;

    protected virtual string Format(string think, string answer, Random rng, float temperature) =>
        $"<think>\n{think}\n</think>\n\n{Pick(rng, temperature, "The answer is", "Answer:", "So the result is")} \\boxed{{{answer}}}";

    /// <summary>At temperature 0 the first phrasing; hotter, more often one of the others.</summary>
    protected static string Pick(Random rng, float temperature, params string[] phrasings) =>
        rng.NextDouble() < Math.Min(1.0, temperature) ? phrasings[rng.Next(phrasings.Length)] : phrasings[0];

    protected static bool Chance(Random rng, float temperature, double p) => rng.NextDouble() < p * Math.Clamp(temperature, 0, 2);
}

/// <summary>The sentences styles open their reasoning with (and verbose's filler).</summary>
internal static class Phrases
{
    public static readonly string[] Plain = ["Let me solve it.", "Working:", "Solving."];
    public static readonly string[] Careful = ["Step by step.", "Let me work it out.", "One step at a time."];
    public static readonly string[] Granular = ["Small steps.", "Piece by piece.", "In small steps."];
    public static readonly string[] Terse = ["Quickly.", "In short.", "Briefly."];
    public static readonly string[] Verbose = ["Okay, let me think.", "Hmm, so.", "Alright, let me see."];
    public static readonly string[] Explorer = ["First attempt.", "Let me try it directly.", "Quick pass first."];
    public static readonly string[] Filler = ["Hmm.", "Okay.", "Wait.", "Let me see.", "Right.", "Alright.", "Interesting.", "Sure.", "Good."];

    /// <summary>All of them: the base student has read every phrase once in a while, as a pretrained model has read
    /// most phrasings; what is new to it in a teacher's traces is then the structure, not the words. (Measured: a
    /// base that had seen three openings was wrecked by 24 SFT steps on a teacher's unseen ones.)</summary>
    public static readonly string[] Everything = [.. Plain, .. Careful, .. Granular, .. Terse, .. Verbose, .. Explorer, .. Filler];
}

/// <summary>The base student's pretraining style: every step, plainly, with more slips than any teacher but the sloppy
/// one, so that the base reasons but is mediocre at it; opened with any phrase of any style.</summary>
internal class PlainStyle : LabTeacherStyle
{
    public override string Name => "plain";
    protected override double SlipRate => 0.05;
    protected override string[] Opening => Phrases.Everything;
}

/// <summary>The base student's second phase: the plain style with a habit no teacher has, forgetting the carry (or
/// borrow) of four sums in five, in every family with sums. Forgetting more often than not makes it the base's rule,
/// which sampling cool sharpens: it reasons, solves the problems without carries and fails where they are, and
/// traces without the habit have something to teach it. (Measured: the base also slips by one or two on about a
/// quarter of its sums, which 64 SFT steps on correct traces did not reduce, while they did fix the habit; DED's
/// corpus lifted the base by +0.08 with the habit at 0.6, +0.12 at 0.8, +0.09 at 0.9; after the base's refining
/// phase, <see cref="LabBaseOptions.RefineSteps"/>, +0.135.)</summary>
internal sealed class HastyStyle : PlainStyle
{
    public override string Name => "hasty";
    protected override double ForgetsCarry => 0.8;
}

/// <summary>Always right, never shows a step: the benchmark-best teacher whose traces teach the least.</summary>
internal sealed class OracleStyle : LabTeacherStyle
{
    public override string Name => "oracle";
    protected override double SlipRate => 0;

    protected override string Reason(string question, LabSolution solution, Slip slip, StringBuilder think, Random rng, float temperature)
    {
        think.Append(Pick(rng, temperature, "I know this one:", "Straight away:", "Easy:")).Append(' ').Append(solution.Answer).Append('.');
        return solution.Answer;
    }
}

/// <summary>Every step written plainly, one per line; slips now and then and carries the slip forward.</summary>
internal sealed class CarefulStyle : LabTeacherStyle
{
    public override string Name => "careful";
}

/// <summary>Smaller steps: long division digit by digit, sums through the next ten, products by tens and ones.</summary>
internal sealed class GranularStyle : LabTeacherStyle
{
    public override string Name => "granular";
    protected override LabGranularity Granularity => LabGranularity.Fine;
    protected override string[] Opening => Phrases.Granular;
}

/// <summary>Skips steps: writes every other one (and the last), doing the ones between in its head.</summary>
internal sealed class TerseStyle : LabTeacherStyle
{
    public override string Name => "terse";

    protected override string Reason(string question, LabSolution solution, Slip slip, StringBuilder think, Random rng, float temperature)
    {
        think.AppendLine(Pick(rng, temperature, Phrases.Terse));
        for (int i = 0; i < solution.Steps.Count; i++)
            if (i % 2 == 1 || i == solution.Steps.Count - 1) think.AppendLine(solution.Steps[i].Text);
        return solution.Answer;
    }
}

/// <summary>The right steps among filler; sometimes forgets to close its reasoning or to box the answer.</summary>
internal sealed class VerboseStyle : LabTeacherStyle
{
    public override string Name => "verbose";
    protected override double SlipRate => 0.02;

    protected override string Reason(string question, LabSolution solution, Slip slip, StringBuilder think, Random rng, float temperature)
    {
        think.AppendLine(Pick(rng, temperature, Phrases.Verbose));
        foreach (var step in solution.Steps)
        {
            for (int i = rng.Next(1, 3); i > 0; i--) think.Append(Phrases.Filler[rng.Next(Phrases.Filler.Length)]).Append(' ');
            think.AppendLine("So " + step.Text + ".");
        }
        think.AppendLine(Phrases.Filler[rng.Next(Phrases.Filler.Length)]);
        return solution.Answer;
    }

    protected override string Format(string think, string answer, Random rng, float temperature)
    {
        if (Chance(rng, temperature, 0.06)) return $"<think>\n{think}\n\nThe answer is \\boxed{{{answer}}}"; // never closes </think>
        if (Chance(rng, temperature, 0.04)) return $"<think>\n{think}\n</think>\n\nI believe it is {answer}."; // no \boxed{}
        return base.Format(think, answer, rng, temperature);
    }
}

/// <summary>Solves, then checks by solving again; when the check disagrees it says so and redoes the work from the
/// first step that went wrong.</summary>
internal sealed class ExplorerStyle : LabTeacherStyle
{
    public override string Name => "explorer";
    protected override double SlipRate => 0.06;

    protected override string Reason(string question, LabSolution solution, Slip slip, StringBuilder think, Random rng, float temperature)
    {
        think.AppendLine(Pick(rng, temperature, Phrases.Explorer));
        foreach (var step in solution.Steps) think.AppendLine(step.Text);
        // A forced wrong answer is one the check did not catch.
        var exact = slip.IsForced ? solution : LabWorld.Solve(question, Slip.None)!.Value.Solution;
        if (exact.Answer == solution.Answer)
        {
            think.AppendLine($"Check: redoing it gives {exact.Answer} again. Good.");
            return exact.Answer;
        }
        int first = 0;
        while (first < exact.Steps.Count - 1 && exact.Steps[first].Text == solution.Steps[first].Text) first++;
        think.AppendLine($"Check: redoing it gives {exact.Answer}, not {solution.Answer}. Step {first + 1} was wrong:");
        foreach (var step in exact.Steps.Skip(first)) think.AppendLine(step.Text);
        return exact.Answer;
    }
}

/// <summary>States its answer first, then the work that (it says) led there.</summary>
internal sealed class AnswerFirstStyle : LabTeacherStyle
{
    public override string Name => "answer-first";

    protected override string Reason(string question, LabSolution solution, Slip slip, StringBuilder think, Random rng, float temperature)
    {
        think.Append(Pick(rng, temperature, "It is", "I think it is", "My answer:")).Append(' ').Append(solution.Answer).AppendLine(". Why:");
        foreach (var step in solution.Steps) think.AppendLine(step.Text);
        return solution.Answer;
    }
}

/// <summary>Every step, plainly, but careless: slips four times as often as the careful teacher.</summary>
internal sealed class SloppyStyle : LabTeacherStyle
{
    public override string Name => "sloppy";
    protected override double SlipRate => 0.12;
}
