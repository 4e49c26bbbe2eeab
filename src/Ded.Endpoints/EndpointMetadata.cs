namespace Ded.Teachers.Endpoints;

/// <summary>Keys under which the client stack stamps <c>ChatResponse.AdditionalProperties</c>; read them with <see cref="EndpointAnswer"/>.</summary>
public static class EndpointMetadata
{
    /// <summary>Wall time from the first attempt to the answer, in milliseconds (double).</summary>
    public const string LatencyMs = "ded.latency_ms";

    /// <summary>Attempts taken, the first included (int).</summary>
    public const string Attempts = "ded.attempts";

    /// <summary>Base URL that produced the answer (string).</summary>
    public const string BaseUrl = "ded.base_url";

    /// <summary>The attempts that failed and were retried before the answer, oldest first (IReadOnlyList of <see cref="AttemptFault"/>; absent when none).</summary>
    public const string Retried = "ded.retried";

    /// <summary>The retried attempts a response carries (none when it came from outside the endpoint stack).</summary>
    public static IReadOnlyList<AttemptFault> RetriedOf(Microsoft.Extensions.AI.ChatResponse response) =>
        response.AdditionalProperties?.TryGetValue(Retried, out var value) == true && value is IReadOnlyList<AttemptFault> faults ? faults : [];
}
