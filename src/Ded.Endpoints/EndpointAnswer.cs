using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>What the rollout stage records per endpoint answer: the normalized trajectory and its accounting.</summary>
public sealed record EndpointAnswer
{
    /// <summary>Reasoning, answer and the stored trajectory form.</summary>
    public required NormalizedReasoning Text { get; init; }
    /// <summary>The engine's finish reason (<c>stop</c>, <c>length</c>, …); null when it sent none.</summary>
    public string? FinishReason { get; init; }
    /// <summary>True when the answer hit the token limit (<c>length</c>): filtered and counted, never verified.</summary>
    public bool IsTruncated { get; init; }
    /// <summary>Prompt tokens, as the engine counted them.</summary>
    public long InputTokens { get; init; }
    /// <summary>Completion tokens (reasoning included), as the engine counted them.</summary>
    public long OutputTokens { get; init; }
    /// <summary>Wall time of the request, retries included; zero when the response did not pass through the endpoint stack.</summary>
    public TimeSpan Latency { get; init; }
    /// <summary>Attempts the request took.</summary>
    public int Attempts { get; init; } = 1;
    /// <summary>Base URL that answered, when several were configured.</summary>
    public string? BaseUrl { get; init; }
    /// <summary>The model the engine says answered.</summary>
    public string? ModelId { get; init; }

    /// <summary>Reads a response produced by <see cref="EndpointClientFactory.Create"/>'s client (or any <see cref="IChatClient"/>).</summary>
    public static EndpointAnswer From(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var props = response.AdditionalProperties;
        var text = ReasoningNormalizer.Normalize(response);
        return new EndpointAnswer
        {
            Text = text,
            FinishReason = response.FinishReason?.Value,
            IsTruncated = response.FinishReason == ChatFinishReason.Length || !text.IsReasoningClosed,
            InputTokens = response.Usage?.InputTokenCount ?? 0,
            OutputTokens = response.Usage?.OutputTokenCount ?? 0,
            Latency = props?.TryGetValue(EndpointMetadata.LatencyMs, out var ms) == true && ms is double d ? TimeSpan.FromMilliseconds(d) : TimeSpan.Zero,
            Attempts = props?.TryGetValue(EndpointMetadata.Attempts, out var a) == true && a is int n ? n : 1,
            BaseUrl = props?.TryGetValue(EndpointMetadata.BaseUrl, out var u) == true ? u as string : null,
            ModelId = response.ModelId,
        };
    }
}
