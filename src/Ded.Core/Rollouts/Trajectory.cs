namespace Ded.Rollouts;

/// <summary>One teacher response to one question: a sample with its full lineage up to the response.</summary>
public sealed record Trajectory
{
    /// <summary>Stable id from question id, teacher, sample index and the sampling-settings hash.</summary>
    public required string Id { get; init; }
    /// <summary>SHA-256 over model id, messages, sampling settings, sample index and per-sample seed.</summary>
    public required string RequestKey { get; init; }
    public required string QuestionId { get; init; }
    public required string Teacher { get; init; }
    public required string Model { get; init; }
    public required int SampleIndex { get; init; }
    /// <summary>The seed sent with this sample (derived from the base seed; recorded, never implicit).</summary>
    public required long Seed { get; init; }
    public required SamplingSettings Sampling { get; init; }
    public required string RawResponse { get; init; }
    /// <summary>Text inside the single &lt;think&gt; block, or "" when the pairing is not strict.</summary>
    public string Reasoning { get; init; } = "";
    /// <summary>Text after &lt;/think&gt; (the whole response when there is none).</summary>
    public string FinalAnswerText { get; init; } = "";
    /// <summary>"stop", "length", "content_filter", ... or "unknown" when the client does not say.</summary>
    public required string FinishReason { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public TimeSpan Latency { get; init; }

    public bool IsTruncated => FinishReason == "length";
}
