using System.Text;

namespace Ded.Lab;

/// <summary>How a lab teacher writes: from the question's worked solution to a reasoning-model response.</summary>
internal abstract class LabTeacherStyle
{
    public abstract string Name { get; }

    /// <summary>Chance that one intermediate value slips, at temperature 1 (it scales with temperature).</summary>
    protected virtual double SlipRate => 0;

    public string Answer(string question, Random rng, float temperature)
    {
        var slip = new Slip(rng, SlipRate * Math.Clamp(temperature, 0, 2));
        if (LabWorld.Solve(question, slip) is not { } solved)
            return "<think>\nI do not recognise this kind of problem.\n</think>\n\nI cannot answer this.";
        var think = new StringBuilder();
        string answer = Reason(question, solved.Solution, think, rng, temperature);
        return Format(think.ToString().TrimEnd(), answer, rng, temperature);
    }

    /// <summary>Writes the reasoning into <paramref name="think"/> and returns the final answer.</summary>
    protected abstract string Reason(string question, LabSolution solution, StringBuilder think, Random rng, float temperature);

    protected virtual string Format(string think, string answer, Random rng, float temperature) =>
        $"<think>\n{think}\n</think>\n\n{Pick(rng, temperature, "The answer is", "Answer:", "So the result is")} \\boxed{{{answer}}}";

    /// <summary>At temperature 0 the first phrasing; hotter, more often one of the others.</summary>
    protected static string Pick(Random rng, float temperature, params string[] phrasings) =>
        rng.NextDouble() < Math.Min(1.0, temperature) ? phrasings[rng.Next(phrasings.Length)] : phrasings[0];

    protected static bool Chance(Random rng, float temperature, double p) => rng.NextDouble() < p * Math.Clamp(temperature, 0, 2);
}

/// <summary>Always right, never shows a step: the benchmark-best teacher whose traces teach the least.</summary>
internal sealed class OracleStyle : LabTeacherStyle
{
    public override string Name => "oracle";

    protected override string Reason(string question, LabSolution solution, StringBuilder think, Random rng, float temperature)
    {
        think.Append(Pick(rng, temperature, "I know this one.", "Straight away:", "Easy.")).Append(' ').Append(solution.Answer).Append('.');
        return solution.Answer;
    }
}

/// <summary>Every step written plainly, one per line; slips now and then and carries the slip forward.</summary>
internal sealed class CarefulStyle : LabTeacherStyle
{
    public override string Name => "careful";
    protected override double SlipRate => 0.05;

    protected override string Reason(string question, LabSolution solution, StringBuilder think, Random rng, float temperature)
    {
        think.AppendLine(Pick(rng, temperature, "Step by step.", "Let me work it out.", "One step at a time."));
        foreach (var step in solution.Steps) think.AppendLine(step.Text);
        return solution.Answer;
    }
}

/// <summary>The right steps buried in filler; sometimes forgets to close its reasoning or to box the answer.</summary>
internal sealed class VerboseStyle : LabTeacherStyle
{
    private static readonly string[] Filler =
    [
        "Hmm, let me think about this carefully.", "Okay, so this is interesting.", "Wait, let me re-read the question.",
        "I want to be really sure here.", "Alright, moving on.", "Let me take a deep breath.", "This reminds me of a similar problem.",
        "Interesting, let me keep going.", "Right, that seems fine so far.",
    ];

    public override string Name => "verbose";
    protected override double SlipRate => 0.02;

    protected override string Reason(string question, LabSolution solution, StringBuilder think, Random rng, float temperature)
    {
        think.AppendLine("Okay, so the question is: " + question.Replace('\n', ' '));
        foreach (var step in solution.Steps)
        {
            for (int i = rng.Next(1, 3); i > 0; i--) think.Append(Filler[rng.Next(Filler.Length)]).Append(' ');
            think.AppendLine().AppendLine("So " + step.Text + ".");
        }
        think.AppendLine(Filler[rng.Next(Filler.Length)]);
        return solution.Answer;
    }

    protected override string Format(string think, string answer, Random rng, float temperature)
    {
        if (Chance(rng, temperature, 0.06)) return $"<think>\n{think}\n\nThe answer is \\boxed{{{answer}}}"; // never closes </think>
        if (Chance(rng, temperature, 0.04)) return $"<think>\n{think}\n</think>\n\nI believe it is {answer}."; // no \boxed{}
        return base.Format(think, answer, rng, temperature);
    }
}

/// <summary>Solves, then checks; when the check fails it says so and solves again with care.</summary>
internal sealed class ExplorerStyle : LabTeacherStyle
{
    public override string Name => "explorer";
    protected override double SlipRate => 0.06;

    protected override string Reason(string question, LabSolution solution, StringBuilder think, Random rng, float temperature)
    {
        think.AppendLine(Pick(rng, temperature, "First attempt.", "Let me try it directly.", "Quick pass first."));
        foreach (var step in solution.Steps) think.AppendLine(step.Text);
        var exact = LabWorld.Solve(question, Slip.None)!.Value.Solution;
        if (exact.Answer == solution.Answer)
        {
            think.AppendLine($"Check: redoing it gives {exact.Answer} again. Good.");
            return exact.Answer;
        }
        think.AppendLine($"Check: redoing it gives {exact.Answer}, not {solution.Answer}. Let me redo it slowly.");
        foreach (var step in exact.Steps) think.AppendLine(step.Text);
        return exact.Answer;
    }
}
