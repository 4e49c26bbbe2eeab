using Microsoft.Extensions.AI;

namespace Ded.Cli.Serving;

/// <summary>The sampling fields of one OpenAI request, as `ded serve` reads them (null: the server's default).</summary>
internal sealed record SamplingRequest
{
    public int N { get; init; } = 1;
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? Seed { get; init; }
    /// <summary>max_completion_tokens or max_tokens; null: until the model stops (or the student's block is full).</summary>
    public int? MaxTokens { get; init; }
    public IReadOnlyList<string> Stop { get; init; } = [];
    /// <summary>Per-token log-probabilities of the generated tokens.</summary>
    public bool Logprobs { get; init; }
}

/// <summary>One token and its log-probability (nats) under the served model; null for a first token, which has no context.
/// <see cref="Rank"/>: its 1-based rank in the model's distribution (vLLM's prompt_logprobs carry it); null where unknown.</summary>
internal sealed record TokenLogProb(string Token, int Id, double? LogProb, int? Rank = null);

/// <summary>One generated choice: text, "stop" or "length", the tokens it sampled and, when asked, their log-probabilities.</summary>
internal sealed record GeneratedChoice(string Text, string FinishReason, int CompletionTokens, IReadOnlyList<TokenLogProb>? Logprobs);

/// <summary>What a model answered: its choices, and the prompt's token count (and log-probabilities when asked).</summary>
internal sealed record Generation(IReadOnlyList<GeneratedChoice> Choices, int PromptTokens, IReadOnlyList<TokenLogProb>? PromptLogprobs = null);

/// <summary>A request the model cannot serve as asked (HTTP 400 with this message).</summary>
internal sealed class BadRequestException(string message) : Exception(message);

/// <summary>What `ded serve` serves: a lab teacher or a lab student checkpoint.</summary>
internal interface IServedModel : IDisposable
{
    /// <summary>The model id of /v1/models, echoed in every response.</summary>
    string Id { get; }

    /// <summary>Chat completion: <see cref="SamplingRequest.N"/> choices for the conversation.</summary>
    Task<Generation> ChatAsync(IReadOnlyList<ChatMessage> messages, SamplingRequest sampling, CancellationToken ct);

    /// <summary>Text completion of a raw prompt; <paramref name="promptLogprobs"/> asks for the prompt's own log-probabilities.</summary>
    Task<Generation> CompleteAsync(string prompt, SamplingRequest sampling, bool promptLogprobs, CancellationToken ct);
}
