using System.Text;

namespace Ded.Cli.Bench;

/// <summary>
/// Seeded reasoning-like traces: every trace walks one shared skeleton of steps (as M samples of one question share a
/// solution path) but rephrases, recomputes, skips and double-checks steps on its own, so traces are similar, not equal.
/// </summary>
internal static class SyntheticTraces
{
    private static readonly string[] Openers =
        ["Let me", "So I", "Now I", "Okay, so I", "Hmm, I", "Wait, I", "Then I", "Next, I", "Alternatively, I", "First I"];
    private static readonly string[] Verbs =
        ["compute", "check", "substitute into", "simplify", "consider", "factor", "expand", "verify", "rewrite", "solve"];
    private static readonly string[] Objects =
        ["the sum", "the remainder", "both sides", "the equation", "the product", "the last term", "the denominator",
         "this case", "the expression", "the difference"];
    private static readonly string[] Checks =
        ["Wait, let me double-check that.", "Hmm, that doesn't look right.", "Let me verify this again.",
         "Actually, I should be careful here.", "That seems consistent."];

    private readonly record struct Step(int Opener, int Verb, int Object, int Left, int Right);

    /// <summary><paramref name="count"/> traces of exactly <paramref name="length"/> chars from one seed.</summary>
    public static IReadOnlyList<string> Generate(int count, int length, int seed)
    {
        var skeletonRng = new Random(seed);
        var skeleton = Enumerable.Range(0, 400).Select(_ => RandomStep(skeletonRng)).ToArray();
        return Enumerable.Range(0, count).Select(i => Walk(skeleton, length, new Random(seed * 31 + i + 1))).ToArray();
    }

    private static Step RandomStep(Random rng) =>
        new(rng.Next(Openers.Length), rng.Next(Verbs.Length), rng.Next(Objects.Length), rng.Next(2, 999), rng.Next(2, 99));

    private static string Walk(Step[] skeleton, int length, Random rng)
    {
        var text = new StringBuilder("<think>\n", length + 200);
        for (int i = 0; text.Length < length; i = (i + 1) % skeleton.Length)
        {
            var step = skeleton[i];
            double roll = rng.NextDouble();
            if (roll < 0.05) continue; // skipped step
            if (roll < 0.20) step = step with { Opener = rng.Next(Openers.Length), Verb = rng.Next(Verbs.Length) };
            else if (roll < 0.30) step = step with { Left = rng.Next(2, 999) };
            Append(text, step);
            if (rng.NextDouble() < 0.06) text.Append(Checks[rng.Next(Checks.Length)]).Append(' ');
            if (rng.NextDouble() < 0.10) text.Append('\n');
        }
        return text.ToString(0, length);
    }

    private static void Append(StringBuilder text, Step step) =>
        text.Append(Openers[step.Opener]).Append(' ').Append(Verbs[step.Verb]).Append(' ').Append(Objects[step.Object])
            .Append(": ").Append(step.Left).Append(" * ").Append(step.Right).Append(" = ").Append(step.Left * step.Right)
            .Append(". ");
}
