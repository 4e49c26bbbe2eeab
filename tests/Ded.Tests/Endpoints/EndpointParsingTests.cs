using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Ded.Teachers.Endpoints;
using Microsoft.Extensions.AI;
using Xunit;

namespace Ded.Tests.Endpoints;

/// <summary>Reasoning normalization, judge verdict parsing, scoring answers and Retry-After: tables.</summary>
public sealed class EndpointParsingTests
{
    public static TheoryData<string, string, string, string, string, bool> Reasoning => new()
    {
        // id, reasoning_content, text, expected reasoning, expected answer, closed
        { "separate field (vLLM reasoning parser)", "Add 2 and 2.", "4", "Add 2 and 2.", "4", true },
        { "inline think tags", "", "<think>\nAdd 2 and 2.\n</think>\n\n4", "Add 2 and 2.", "4", true },
        { "closing tag only (Qwen3 template opens it)", "", "Add 2 and 2.\n</think>\n\n4", "Add 2 and 2.", "4", true },
        { "no reasoning", "", "  4 ", "", "4", true },
        { "cut inside the reasoning", "", "<think>\nAdd 2 and", "Add 2 and", "", false },
        { "both forms", "First.", "<think>Second.</think>4", "First.\nSecond.", "4", true },
    };

    [Theory]
    [MemberData(nameof(Reasoning))]
    public void Normalize_BringsBothFormsToOneTrajectory(string id, string field, string text, string reasoning, string answer, bool closed)
    {
        var full = reasoning.Length == 0 ? answer : $"<think>\n{reasoning}\n</think>\n\n{answer}";
        Assert.Equal(new NormalizedReasoning(reasoning, answer, full, closed), ReasoningNormalizer.Normalize(field, text));
        var message = new ChatMessage(ChatRole.Assistant, [new TextReasoningContent(field), new TextContent(text)]);
        Assert.True(ReasoningNormalizer.Normalize(new ChatResponse(message)) == new NormalizedReasoning(reasoning, answer, full, closed), id);
    }

    public static TheoryData<string, JudgeVerdictKind, string> Verdicts => new()
    {
        { "Both are 1/2.\nEQUIVALENT", JudgeVerdictKind.Equivalent, "Both are 1/2.\nEQUIVALENT" },
        { "0.5 differs from 2.\nNOT EQUIVALENT", JudgeVerdictKind.NotEquivalent, "0.5 differs from 2.\nNOT EQUIVALENT" },
        { "Is it equivalent? No.\n**Not Equivalent**", JudgeVerdictKind.NotEquivalent, "Is it equivalent? No.\n**Not Equivalent**" },
        { "Could be NOT EQUIVALENT at first, but simplifying: EQUIVALENT", JudgeVerdictKind.Equivalent, "Could be NOT EQUIVALENT at first, but simplifying: EQUIVALENT" },
        { "Verdict: NOT_EQUIVALENT", JudgeVerdictKind.NotEquivalent, "Verdict: NOT_EQUIVALENT" },
        { "Verdict: inequivalent", JudgeVerdictKind.NotEquivalent, "Verdict: inequivalent" },
        { "```json\n{\"equivalent\": true, \"rationale\": \"same value\"}\n```", JudgeVerdictKind.Equivalent, "same value" },
        { "$\\frac{1}{2}$ vs 2 {\"Equivalent\": false, \"reason\": \"0.5 != 2\"}", JudgeVerdictKind.NotEquivalent, "0.5 != 2" },
        { "I cannot tell.", JudgeVerdictKind.Unparsable, "I cannot tell." },
        { "", JudgeVerdictKind.Unparsable, "" },
    };

    [Theory]
    [MemberData(nameof(Verdicts))]
    public void JudgeParse_ReadsKeywordOrJson(string output, JudgeVerdictKind kind, string rationale)
    {
        var verdict = LlmJudge.Parse(output, "judge-7b");
        Assert.Equal((kind, rationale, "judge-7b", "judge:judge-7b"), (verdict.Kind, verdict.Rationale, verdict.JudgeModel, verdict.Source));
    }

    [Fact]
    public async Task Judge_FillsTheTemplate_AndIgnoresReasoning()
    {
        var judge = new ScriptedChatClient("<think>EQUIVALENT? maybe</think>\nThey differ.\nNOT EQUIVALENT");
        var verdict = await new LlmJudge(judge, new LlmJudgeOptions { JudgeModel = "j", PromptTemplate = "Q={question} G={gold} C={candidate}" })
            .JudgeAsync("2+2?", "4", "5");
        Assert.Equal("Q=2+2? G=4 C=5", judge.LastPrompt);
        Assert.Equal((false, "They differ.\nNOT EQUIVALENT"), (verdict.IsEquivalent, verdict.Rationale));
    }

    [Theory]
    [InlineData("1", 1000)]
    [InlineData("0.5", 500)]
    [InlineData("Thu, 26 Nov 2026 12:00:03 GMT", 3000)]
    [InlineData("Thu, 26 Nov 2026 11:59:00 GMT", 0)]
    [InlineData("soon", -1)]
    [InlineData("-3", -1)]
    public void RetryAfter_ParsesSecondsAndHttpDates(string header, int expectedMs)
    {
        var now = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        var parsed = FaultClassifyingChatClient.ParseRetryAfter(header, now);
        Assert.Equal(expectedMs < 0 ? null : TimeSpan.FromMilliseconds(expectedMs), parsed);
    }

    [Fact]
    public async Task Scorer_PromptLogprobs_ParsesVllmAnswer_AndSendsTheRightBody()
    {
        const string answer = """
            {"choices":[{"index":0,"text":"!","prompt_logprobs":[null,
              {"1917":{"logprob":-2.5,"rank":3,"decoded_token":" world"}},
              {"0":{"logprob":-0.5,"rank":1,"decoded_token":"!"},"11":{"logprob":-0.25,"rank":2,"decoded_token":"?"}}],
              "prompt_token_ids":[9906,1917,11]}]}
            """;
        var handler = new CannedHandler(HttpStatusCode.OK, answer);
        using var scorer = new EndpointScorer(new EndpointOptions { Model = "m" }, ScoringApi.PromptLogprobs, handler: handler);

        var scored = await scorer.ScoreAsync("Hello world?");

        Assert.Equal(["", " world", "?"], scored.Tokens);
        Assert.Equal([null, -2.5, -0.25], scored.LogProbs);
        Assert.Equal(-2.75, scored.Total);
        Assert.Equal("http://127.0.0.1:8000/v1/completions", handler.LastUri);
        var body = JsonNode.Parse(handler.LastBody)!;
        Assert.Equal(("m", "Hello world?", 0, 1), ((string)body["model"]!, (string)body["prompt"]!, (int)body["prompt_logprobs"]!, (int)body["max_tokens"]!));
    }

    [Fact]
    public async Task Scorer_Echo_DropsTheGeneratedToken()
    {
        const string answer = """
            {"choices":[{"text":"Hello world!","logprobs":{"tokens":["Hello"," world","!"],"token_logprobs":[null,-1.5,-0.1]}}],
             "usage":{"prompt_tokens":2,"completion_tokens":1}}
            """;
        var handler = new CannedHandler(HttpStatusCode.OK, answer);
        using var scorer = new EndpointScorer(new EndpointOptions { Model = "m" }, ScoringApi.Echo, handler: handler);
        var scored = await scorer.ScoreAsync("Hello world");
        Assert.Equal(["Hello", " world"], scored.Tokens);
        Assert.Equal([null, -1.5], scored.LogProbs);
        Assert.True((bool)JsonNode.Parse(handler.LastBody)!["echo"]!);
    }

    [Fact]
    public async Task Scorer_Unauthorized_NamesVariableNotKey()
    {
        var handler = new CannedHandler(HttpStatusCode.Unauthorized, "{\"error\":\"bad key sk-secret-999\"}");
        using var scorer = new EndpointScorer(new EndpointOptions { Model = "m", ApiKeyEnv = "SCORE_KEY" },
            environment: _ => "sk-secret-999", handler: handler);
        var ex = await Assert.ThrowsAsync<EndpointException>(() => scorer.ScoreAsync("x"));
        Assert.Contains("SCORE_KEY holds a valid key", ex.Message);
        Assert.DoesNotContain("sk-secret-999", ex.ToString());
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Scorer_RetriesServerErrors()
    {
        var handler = new CannedHandler(HttpStatusCode.OK, """{"choices":[{"logprobs":{"tokens":["a"],"token_logprobs":[null]}}]}""") { FailFirst = 2 };
        using var scorer = new EndpointScorer(new EndpointOptions
            { Model = "m", Retry = new EndpointRetryOptions { BaseDelay = TimeSpan.Zero } }, ScoringApi.Echo, handler: handler);
        Assert.Equal(["a"], (await scorer.ScoreAsync("a")).Tokens);
        Assert.Equal(3, handler.Calls);
    }

    private sealed class CannedHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public int FailFirst { get; init; }
        public int Calls;
        public string LastBody = "", LastUri = "";

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastUri = request.RequestUri!.ToString();
            LastBody = await request.Content!.ReadAsStringAsync(cancellationToken);
            return ++Calls <= FailFirst
                ? new HttpResponseMessage(HttpStatusCode.BadGateway)
                : new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }

    private sealed class ScriptedChatClient(string reply) : IChatClient
    {
        public string LastPrompt = "";

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            LastPrompt = messages.Single().Text;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }
}
