using Ded.Filtering;
using Ded.Rollouts;
using Ded.Verification;
using Xunit;

namespace Ded.Tests.Spine;

public class FilterTests
{
    // Each row: response, strictly paired?, reason, answer text.
    public static TheoryData<string, bool, string, string> ThinkCases => new()
    {
        { "<think>a</think>\n\\boxed{1}", true, "one <think> before one </think>", "\\boxed{1}" },
        { "no tags \\boxed{1}", false, "no <think> block", "no tags \\boxed{1}" },
        { "<think>a</think><think>b</think> x", false, "2 <think> and 2 </think> (need exactly one of each)", "x" },
        { "<think>a x", false, "1 <think> and 0 </think> (need exactly one of each)", "<think>a x" },
        { "a</think> x", false, "0 <think> and 1 </think> (need exactly one of each)", "x" },
        { "</think>a<think> x", false, "</think> comes before <think>", "a<think> x" },
        { "<think >a</think> x", false, "malformed tag: 1 text(s) start like <think> or </think> without being one", "x" },
        { "<think>a</thinking> x", false, "malformed tag: 1 text(s) start like <think> or </think> without being one", "<think>a</thinking> x" },
    };

    [Theory]
    [MemberData(nameof(ThinkCases))]
    public void ThinkPairingIsStrict(string response, bool paired, string reason, string answer)
    {
        var block = ThinkBlock.Parse(response);
        Assert.Equal((paired, reason, answer), (block.IsStrictlyPaired, block.Reason, block.AnswerText));
    }

    private static Verdict V(VerdictKind kind) => new() { TrajectoryId = "t", Kind = kind, Reason = "r", Verifier = "lab-exact" };

    // Each row: response, finish reason, verdict, expected "filter:pass|fail" list.
    public static TheoryData<string, string, string, VerdictKind?, string> Decisions => new()
    {
        { "all pass", "<think>ok</think> \\boxed{1}", "stop", VerdictKind.Correct, "truncation:pass max_length:pass think_pairing:pass correctness:pass" },
        { "truncated", "<think>ok</think> \\boxed{1}", "length", VerdictKind.Correct, "truncation:fail max_length:pass think_pairing:pass correctness:pass" },
        { "too long", "<think>" + new string('x', 40) + "</think>", "stop", VerdictKind.Correct, "truncation:pass max_length:fail think_pairing:pass correctness:pass" },
        { "unpaired", "<think>ok \\boxed{1}", "stop", VerdictKind.Correct, "truncation:pass max_length:pass think_pairing:fail correctness:pass" },
        { "wrong", "<think>ok</think> \\boxed{2}", "stop", VerdictKind.Wrong, "truncation:pass max_length:pass think_pairing:pass correctness:fail" },
        { "no answer", "<think>ok</think>", "stop", VerdictKind.NoAnswer, "truncation:pass max_length:pass think_pairing:pass correctness:fail" },
        { "unverified", "<think>ok</think> \\boxed{1}", "stop", null, "truncation:pass max_length:pass think_pairing:pass correctness:fail" },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void FiltersDecideEachWithAReason(string name, string raw, string finish, VerdictKind? kind, string expected)
    {
        var t = Spine.T("t", raw, finish);
        var options = new FilterOptions { MaxLength = 40, LengthUnit = TextUnit.Chars };
        var decisions = TrajectoryFilters.Evaluate(t, raw.Length, kind is null ? null : V(kind.Value), options);
        Assert.Equal(expected, string.Join(" ", decisions.Select(d => $"{d.Filter}:{(d.Passed ? "pass" : "fail")}")));
        Assert.All(decisions, d => Assert.False(string.IsNullOrEmpty(d.Reason), name));
    }

    [Fact]
    public void ReasonsSayWhy()
    {
        var t = Spine.T("t", "<think>" + new string('x', 40) + "</think>", "length");
        var d = TrajectoryFilters.Evaluate(t, 47, null, new FilterOptions { MaxLength = 40, LengthUnit = TextUnit.Chars });
        Assert.Equal(
            ["finish reason 'length': cut off at max tokens", "47 chars > 40", "one <think> before one </think>", "no verdict (run verification first)"],
            d.Select(x => x.Reason));
    }

    [Fact]
    public void DisabledFiltersMakeNoDecision()
    {
        var options = new FilterOptions { RequireThinkPairing = false, RequireCorrect = false, DropTruncated = false, LengthUnit = TextUnit.Chars };
        var d = TrajectoryFilters.Evaluate(Spine.T("t", "x"), 1, null, options);
        Assert.Equal(["max_length"], d.Select(x => x.Filter));
    }

    [Theory]
    [InlineData("<think>r</think>\n\\boxed{ 42 }", "42", VerdictKind.Correct, "\\boxed{42} equals gold '42'")]
    [InlineData("<think>r</think>\n\\boxed{41}", "42", VerdictKind.Wrong, "\\boxed{41} differs from gold '42'")]
    [InlineData("<think>\\boxed{42}</think>\nno box", "42", VerdictKind.NoAnswer, "no \\boxed{} in the final answer")]
    public async Task LabVerifierComparesTheBoxedAnswerExactly(string raw, string gold, VerdictKind kind, string reason)
    {
        var verdict = await new LabExactVerifier().VerifyAsync(Spine.Q("q1", gold: gold), Answer.Of("t", raw), CancellationToken.None);
        Assert.Equal((kind, reason, "lab-exact"), (verdict.Kind, verdict.Reason, verdict.Verifier));
    }
}

public class RolloutTextTests
{
    [Fact]
    public void SeparateReasoningContentIsPutBackInsideThinkAndInlineTextIsKeptAsSent()
    {
        var separate = new Microsoft.Extensions.AI.ChatResponse(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant,
            [new Microsoft.Extensions.AI.TextReasoningContent("2 + 2 = 4"), new Microsoft.Extensions.AI.TextContent("\\boxed{4}")]));
        Assert.Equal("<think>\n2 + 2 = 4\n</think>\n\n\\boxed{4}", Ded.Rollouts.RolloutRequest.RawText(separate));

        const string malformed = "<think>\nno closing tag \\boxed{4}";
        var inline = new Microsoft.Extensions.AI.ChatResponse(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, malformed));
        Assert.Equal(malformed, Ded.Rollouts.RolloutRequest.RawText(inline));
    }
}
