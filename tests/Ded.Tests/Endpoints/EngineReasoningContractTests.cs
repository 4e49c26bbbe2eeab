using Ded.Data;
using Ded.Filtering;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Teachers;
using Ded.Teachers.Endpoints;
using TempDir = Ded.Tests.Spine.TempDir;
using SpineFakes = Ded.Tests.Spine.Spine;
using Xunit;

namespace Ded.Tests.Endpoints;

/// <summary>
/// How each engine's OpenAI-compatible server returns reasoning, read from its source, and what Ded stores from it:
/// every trajectory must carry the reasoning inside one <c>&lt;think&gt;</c> block and pass think pairing, whatever
/// field the engine used, streaming or not.
/// </summary>
public sealed class EngineReasoningContractTests
{
    private const string Reasoning = "Two plus two: count 2, then 2 more, 4.";

    /// <summary>An engine's way of sending reasoning, with the upstream file it follows.</summary>
    public sealed record Dialect(string Name, string Upstream, FaultServerOptions Server)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Dialect, bool> Dialects()
    {
        Dialect[] dialects =
        [
            // ChatMessage.reasoning only; reasoning_content was removed (vLLM PR #33402). The stream's DeltaMessage
            // likewise carries `reasoning` (PR #27752), unset fields excluded.
            new("vLLM current", "vllm-project/vllm@d5dba2d7b0ab9b98096560c69db7126b54b14d79:vllm/entrypoints/openai/chat_completion/protocol.py",
                new() { ReasoningContent = Reasoning, ReasoningFields = ["reasoning"] }),
            // DeltaMessage between the rename and the removal: `reasoning`, and `reasoning_content` copied from it by a
            // validator, both null in the answer's deltas. Read once, not twice.
            new("vLLM 0.11-0.15", "vllm-project/vllm@d7e52523a55cfd60207c99d9f3b7ed527d2115b7:vllm/entrypoints/openai/engine/protocol.py",
                new() { ReasoningContent = Reasoning, ReasoningFields = ["reasoning", "reasoning_content"], NullReasoningInAnswerDeltas = true }),
            // ChatMessage.reasoning_content and DeltaMessage.reasoning_content (null in the answer's deltas).
            new("SGLang", "sgl-project/sglang@004c82e07d876f6e4a0ad6e15325706b0f478f1a:python/sglang/srt/entrypoints/openai/protocol.py",
                new() { ReasoningContent = Reasoning, ReasoningFields = ["reasoning_content"], NullReasoningInAnswerDeltas = true }),
            // common_chat_msg::to_json_oaicompat writes reasoning_content when non-empty; stream diffs likewise.
            new("llama.cpp", "ggml-org/llama.cpp@0083bb18d6ac197bb463662c79569a8172811554:common/chat.cpp",
                new() { ReasoningContent = Reasoning, ReasoningFields = ["reasoning_content"] }),
            // Message.Reasoning and Delta.Reasoning, `json:"reasoning,omitempty"`.
            new("Ollama", "ollama/ollama@fb30760996871fa9460115c753afd2c60d4ab0f7:openai/openai.go",
                new() { ReasoningContent = Reasoning, ReasoningFields = ["reasoning"] }),
            // No reasoning parser: the think block stays in content.
            new("no parser, tags in content", "any engine without --reasoning-parser",
                new() { ContentPrefix = $"<think>\n{Reasoning}\n</think>\n\n" }),
            // No parser and a template whose generation prompt already opened the block (DeepSeek-R1's ends with
            // `<｜Assistant｜><think>\n`): content holds only the closing tag.
            new("no parser, opened in the prompt", "DeepSeek-R1-Distill chat template, add_generation_prompt",
                new() { ContentPrefix = $"{Reasoning}\n</think>\n\n" }),
        ];
        var data = new TheoryData<Dialect, bool>();
        foreach (var d in dialects)
            foreach (var stream in new[] { false, true })
                data.Add(d, stream);
        return data;
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task Every_stored_trajectory_carries_the_reasoning_inside_think_and_passes_pairing(Dialect dialect, bool stream)
    {
        await using var server = await FaultServer.StartAsync(dialect.Server);
        using var dir = new TempDir();
        using var store = RunStore.Open(dir.Path);
        var questions = new[] { SpineFakes.Q("q1", "question 1"), SpineFakes.Q("q2", "question 2") };
        store.IngestQuestions(questions);

        var summary = await RolloutStage.RunAsync(store, questions, [Teacher(server.BaseUrl, stream)],
            new RolloutOptions { Sampling = new SamplingSettings { SamplesPerQuestion = 2 }, MaxConcurrency = 2 }, null, CancellationToken.None);
        var filters = await FilterStage.RunAsync(store, Pairing, "none", null, null, CancellationToken.None);

        Assert.Equal((4, 0), (summary.Sent, summary.Failed));
        Assert.All(store.Trajectories(), t =>
        {
            var answer = FaultServer.ExpectedAnswer(questions.Single(q => q.Id == t.QuestionId).Text);
            Assert.Equal($"<think>\n{Reasoning}\n</think>\n\n{answer}", t.RawResponse);
            Assert.Equal((Reasoning, answer), (t.Reasoning, t.FinalAnswerText));
        });
        Assert.Equal((4, 4), (filters.Trajectories, filters.PassedAll));
        Assert.Empty(filters.Warnings);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Responses_without_any_reasoning_are_reported_with_the_likely_cause(bool stream)
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions());
        using var dir = new TempDir();
        using var store = RunStore.Open(dir.Path);
        var questions = new[] { SpineFakes.Q("q1", "question 1") };
        store.IngestQuestions(questions);

        await RolloutStage.RunAsync(store, questions, [Teacher(server.BaseUrl, stream)],
            new RolloutOptions { Sampling = new SamplingSettings { SamplesPerQuestion = 3 }, MaxConcurrency = 1 }, null, CancellationToken.None);
        var filters = await FilterStage.RunAsync(store, Pairing, "none", null, null, CancellationToken.None);

        Assert.Equal(3, filters.FailedBy["think_pairing"]);
        var warning = Assert.Single(filters.Warnings);
        Assert.StartsWith("teacher vllm: none of its 3 responses carried reasoning", warning);
        Assert.Contains("no reasoning parser enabled (vLLM/SGLang: --reasoning-parser", warning);
    }

    private static readonly FilterOptions Pairing = new() { LengthUnit = TextUnit.Chars, RequireCorrect = false };

    private static TeacherClient Teacher(string baseUrl, bool stream)
    {
        var endpoint = new EndpointOptions { BaseUrls = [baseUrl], Model = "fault-model", Stream = stream };
        return new TeacherClient(new EndpointTeacherSpec { Name = "vllm", Endpoint = endpoint }, EndpointClientFactory.Create(endpoint));
    }
}
