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

    /// <summary>
    /// One line per teacher none of whose responses carried any reasoning, when the recipe requires think pairing:
    /// all of them fail it, and the cause is then nearly always the engine, not the model.
    /// </summary>
    public static IReadOnlyList<string> MissingReasoningWarnings(IEnumerable<Runs.TeacherReasoning> teachers, FilterOptions options) =>
        !options.RequireThinkPairing ? [] : teachers
            .Where(t => t.Responses > 0 && t.WithThinkTags == 0)
            .OrderBy(t => t.Teacher, StringComparer.Ordinal)
            .Select(t => $"teacher {t.Teacher}: none of its {t.Responses} responses carried reasoning (no reasoning or reasoning_content " +
                         "field, no <think> in the text), so every one fails think_pairing. Likely cause: the engine has no reasoning " +
                         "parser enabled (vLLM/SGLang: --reasoning-parser deepseek_r1 or qwen3) and dropped the think tags; or " +
                         "thinking is switched off (chat_template_kwargs enable_thinking: false)")
            .ToList();

    private static FilterDecision Decide(Trajectory t, string filter, bool passed, string reason) =>
        new() { TrajectoryId = t.Id, Filter = filter, Passed = passed, Reason = reason };
}
