using Ded.Rollouts;
using Ded.Verification;

namespace Ded.Filtering;

/// <summary>The corpus filters as one pure function: every enabled filter decides, each with its reason.</summary>
public static class TrajectoryFilters
{
    /// <summary>Decisions in a fixed order: truncation, length, think pairing, correctness (only the enabled ones).</summary>
    /// <param name="length">The trajectory's length in <see cref="FilterOptions.LengthUnit"/>.</param>
    /// <param name="verdict">The verifier's verdict; null when the trajectory has not been verified.</param>
    public static IReadOnlyList<FilterDecision> Evaluate(Trajectory t, int length, Verdict? verdict, FilterOptions options)
    {
        var decisions = new List<FilterDecision>(4);
        if (options.DropTruncated)
            decisions.Add(Decide(t, "truncation", !t.IsTruncated,
                t.IsTruncated ? "finish reason 'length': cut off at max tokens" : $"finish reason '{t.FinishReason}'"));
        var unit = options.LengthUnit == TextUnit.Chars ? "chars" : "tokens";
        decisions.Add(Decide(t, "max_length", length <= options.MaxLength,
            length <= options.MaxLength ? $"{length} {unit} <= {options.MaxLength}" : $"{length} {unit} > {options.MaxLength}"));
        if (options.RequireThinkPairing)
        {
            var think = ThinkBlock.Parse(t.RawResponse);
            decisions.Add(Decide(t, "think_pairing", think.IsStrictlyPaired, think.Reason));
        }
        if (options.RequireCorrect)
            decisions.Add(Decide(t, "correctness", verdict?.IsCorrect == true,
                verdict is null ? "no verdict (run verification first)" : $"{Runs.RunStore.Snake(verdict.Kind)} by {verdict.Verifier}: {verdict.Reason}"));
        return decisions;
    }

    private static FilterDecision Decide(Trajectory t, string filter, bool passed, string reason) =>
        new() { TrajectoryId = t.Id, Filter = filter, Passed = passed, Reason = reason };
}
