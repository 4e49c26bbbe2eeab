using System.Text.Json;
using Ded.Data;
using Ded.Teachers;
using Microsoft.Extensions.AI;

namespace Ded.Rollouts;

/// <summary>One sample to draw: question × teacher × sample index, with its derived seed, request key and trajectory id.</summary>
public sealed record RolloutRequest
{
    public required Question Question { get; init; }
    public required TeacherSpec Teacher { get; init; }
    public required int SampleIndex { get; init; }
    public required SamplingSettings Sampling { get; init; }
    public required long Seed { get; init; }
    public required string RequestKey { get; init; }
    public required string TrajectoryId { get; init; }

    /// <summary>The conversation sent: the question as the one user message (reasoning models take no system prompt).</summary>
    public IReadOnlyList<ChatMessage> Messages => [new ChatMessage(ChatRole.User, Question.Text)];

    public static RolloutRequest Create(Question question, TeacherSpec teacher, int sampleIndex, SamplingSettings sampling) =>
        Create(QuestionKeyText.Of(question), teacher, sampleIndex, sampling);

    /// <summary>As <see cref="Create(Question, TeacherSpec, int, SamplingSettings)"/>, with the question's text escaped once for all its samples.</summary>
    public static RolloutRequest Create(QuestionKeyText question, TeacherSpec teacher, int sampleIndex, SamplingSettings sampling)
    {
        var q = question.Question;
        // Each sample has its own seed so M samples differ, derived (not drawn) so a rerun asks for the same sample.
        long seed = Hashing.Int63($"{sampling.Seed}|{q.Id}|{teacher.Name}|{sampleIndex}") & int.MaxValue;
        return new RolloutRequest
        {
            Question = q, Teacher = teacher, SampleIndex = sampleIndex, Sampling = sampling, Seed = seed,
            RequestKey = question.Key(teacher.ModelId, sampling, sampleIndex, seed),
            TrajectoryId = $"{q.Id}.{teacher.Name}.{sampleIndex}.{sampling.Hash()[..8]}",
        };
    }

    public ChatOptions ChatOptions() => new()
    {
        Temperature = (float)Sampling.Temperature,
        TopP = (float)Sampling.TopP,
        MaxOutputTokens = Sampling.MaxTokens,
        Seed = Seed,
    };

    /// <summary>The trajectory for a received response.</summary>
    public Trajectory ToTrajectory(ChatResponse response, TimeSpan latency)
    {
        var text = RawText(response);
        var think = ThinkBlock.Parse(text);
        return new Trajectory
        {
            Id = TrajectoryId, RequestKey = RequestKey, QuestionId = Question.Id, Teacher = Teacher.Name, Model = Teacher.ModelId,
            SampleIndex = SampleIndex, Seed = Seed, Sampling = Sampling, RawResponse = text,
            Reasoning = think.Reasoning, FinalAnswerText = think.AnswerText,
            FinishReason = response.FinishReason?.Value ?? "unknown",
            InputTokens = response.Usage?.InputTokenCount, OutputTokens = response.Usage?.OutputTokenCount, Latency = latency,
        };
    }

    /// <summary>
    /// The response as one text. Engines with a reasoning parser (vLLM, SGLang, llama.cpp, Ollama) send the reasoning
    /// apart (<c>reasoning</c> or <c>reasoning_content</c>); it is put back inside <c>&lt;think&gt;</c> so every
    /// trajectory has one form. Without a parser the reasoning is inline: a lone <c>&lt;/think&gt;</c> (the chat template
    /// opened the tag in the prompt, as DeepSeek-R1's and Qwen3's do) gets its opening tag back. Any other response is
    /// kept exactly as sent, malformed tags included: the filters judge those.
    /// </summary>
    internal static string RawText(ChatResponse response) =>
        response.Messages.Any(m => m.Contents.OfType<TextReasoningContent>().Any()) || OpenedInPrompt(response.Text)
            ? Teachers.Endpoints.ReasoningNormalizer.Normalize(response).FullText
            : response.Text;

    private static bool OpenedInPrompt(string text)
    {
        var close = text.IndexOf("</think>", StringComparison.Ordinal);
        return close >= 0 && text.IndexOf("</think", close + 1, StringComparison.Ordinal) < 0
            && !text.Contains("<think", StringComparison.Ordinal);
    }
}
