using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>What a judge model decided.</summary>
public enum JudgeVerdictKind
{
    /// <summary>The candidate's final answer is equivalent to the gold answer.</summary>
    Equivalent,
    /// <summary>It is not.</summary>
    NotEquivalent,
    /// <summary>The judge's output held no verdict we could read (recorded, never counted as either).</summary>
    Unparsable,
}

/// <summary>
/// An LLM judge's verdict on one answer. Its <see cref="Source"/> (<c>judge:MODEL</c>) keeps it apart from rule
/// verdicts in the lineage: a judged sample is never silently counted as rule-verified.
/// </summary>
public sealed record JudgeVerdict
{
    /// <summary>What the judge decided.</summary>
    public required JudgeVerdictKind Kind { get; init; }
    /// <summary>True, false, or null when unparsable.</summary>
    public bool? IsEquivalent => Kind switch { JudgeVerdictKind.Equivalent => true, JudgeVerdictKind.NotEquivalent => false, _ => null };
    /// <summary>The judge's reason, or its raw output (trimmed) when it gave no separate reason.</summary>
    public required string Rationale { get; init; }
    /// <summary>The judge model, as configured.</summary>
    public required string JudgeModel { get; init; }
    /// <summary>Lineage source: <c>judge:MODEL</c>.</summary>
    public string Source => "judge:" + JudgeModel;
}

/// <summary>The judge endpoint's model name and the prompt it is given.</summary>
public sealed record LlmJudgeOptions
{
    /// <summary>Model name recorded in verdicts.</summary>
    public string JudgeModel { get; init; } = "";

    // why: the judge compares final answers only (DED §3.2 rule verification decides where it can); asking for a
    // last-line keyword, with JSON also accepted, parses reliably across instruction-tuned judges.
    /// <summary>Template with {question}, {gold} and {candidate}.</summary>
    public string PromptTemplate { get; init; } =
        """
        You are grading a math answer. Decide whether the candidate's final answer is mathematically equivalent to the
        reference answer. Ignore formatting, units written differently and the working; judge the final answer only.

        Question:
        {question}

        Reference answer:
        {gold}

        Candidate answer:
        {candidate}

        Give one sentence of reasoning, then on the last line write exactly EQUIVALENT or NOT EQUIVALENT.
        """;

    /// <summary>Output limit for the judge's reply.</summary>
    public int MaxOutputTokens { get; init; } = 1024; // why: reasoning judges think before the verdict line

    /// <summary>Sampling temperature; 0 makes the verdict repeatable.</summary>
    public float Temperature { get; init; }
}

/// <summary>Asks a judge endpoint whether a candidate answer matches the gold when the rule verifier cannot decide.</summary>
public sealed class LlmJudge(IChatClient judge, LlmJudgeOptions options)
{
    private static readonly Regex Keyword = new(@"\b(NOT[\s_-]+EQUIVALENT|INEQUIVALENT|NON[\s_-]?EQUIVALENT|EQUIVALENT)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.RightToLeft);
    private static readonly Regex Json = new(@"\{[^{}]*\}", RegexOptions.CultureInvariant | RegexOptions.RightToLeft);

    /// <summary>The judge's verdict on <paramref name="candidate"/> against <paramref name="gold"/>.</summary>
    /// <exception cref="EndpointException">The judge endpoint failed for good.</exception>
    public async Task<JudgeVerdict> JudgeAsync(string question, string gold, string candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(candidate);
        var prompt = options.PromptTemplate.Replace("{question}", question).Replace("{gold}", gold).Replace("{candidate}", candidate);
        var response = await judge.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)],
            new ChatOptions { Temperature = options.Temperature, MaxOutputTokens = options.MaxOutputTokens }, cancellationToken)
            .ConfigureAwait(false);
        return Parse(ReasoningNormalizer.Normalize(response).Answer, options.JudgeModel);
    }

    /// <summary>Reads a verdict from the judge's answer (reasoning already removed): JSON first, else the last keyword.</summary>
    public static JudgeVerdict Parse(string output, string judgeModel)
    {
        var text = output.Trim();
        if (FromJson(text) is { } fromJson) return fromJson with { JudgeModel = judgeModel };
        var match = Keyword.Match(text);
        var kind = !match.Success ? JudgeVerdictKind.Unparsable
            : match.Value.StartsWith('E') || match.Value.StartsWith('e') ? JudgeVerdictKind.Equivalent : JudgeVerdictKind.NotEquivalent;
        return new JudgeVerdict { Kind = kind, Rationale = text, JudgeModel = judgeModel };
    }

    /// <summary>{"equivalent": true|false, "rationale"|"reason": "…"}, possibly inside a code fence.</summary>
    private static JudgeVerdict? FromJson(string text)
    {
        for (var m = Json.Match(text); m.Success; m = m.NextMatch())
        {
            try
            {
                using var doc = JsonDocument.Parse(m.Value);
                var root = doc.RootElement;
                if (!TryGet(root, "equivalent", out var eq) || eq.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) continue;
                var reason = TryGet(root, "rationale", out var r) || TryGet(root, "reason", out r) ? r.ToString() : text;
                return new JudgeVerdict
                {
                    Kind = eq.GetBoolean() ? JudgeVerdictKind.Equivalent : JudgeVerdictKind.NotEquivalent,
                    Rationale = reason, JudgeModel = "",
                };
            }
            catch (JsonException)
            {
                // a brace pair that is not JSON (LaTeX, prose): look further left
            }
        }
        return null;
    }

    private static bool TryGet(JsonElement root, string name, out JsonElement value)
    {
        foreach (var p in root.EnumerateObject())
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) { value = p.Value; return true; }
        value = default;
        return false;
    }
}
