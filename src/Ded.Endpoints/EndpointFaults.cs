namespace Ded.Teachers.Endpoints;

/// <summary>Why an attempt failed in a way that a retry can fix; counted separately in <see cref="EndpointStats"/>.</summary>
public enum FaultCause
{
    /// <summary>HTTP 429: the engine or the hosted API asked us to slow down.</summary>
    RateLimited,
    /// <summary>HTTP 5xx (and 408).</summary>
    ServerError,
    /// <summary>The attempt ran past <see cref="EndpointOptions.AttemptTimeout"/> (a stalled connection).</summary>
    Timeout,
    /// <summary>The answer was not valid JSON.</summary>
    Malformed,
    /// <summary>A streamed answer ended before its finish reason.</summary>
    StreamCut,
    /// <summary>Connection refused, reset or closed mid-response.</summary>
    Connection,
}

/// <summary>
/// An endpoint failure the user must act on (401, 403, 404, 400, a missing key variable) or one that outlasted
/// all retries. The message names the endpoint and the key variable's name; it never holds the key's value.
/// </summary>
public sealed class EndpointException(string message, int? statusCode = null) : Exception(message)
{
    /// <summary>The HTTP status that caused it, when there was one.</summary>
    public int? StatusCode { get; } = statusCode;
}

/// <summary>A fault a retry may fix; raised by <see cref="FaultClassifyingChatClient"/>, consumed by <see cref="RetryingChatClient"/>.</summary>
internal sealed class TransientEndpointException(FaultCause cause, string baseUrl, string detail, TimeSpan? retryAfter = null)
    : Exception($"{baseUrl}: {cause}: {detail}")
{
    public FaultCause Cause { get; } = cause;
    public string BaseUrl { get; } = baseUrl;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>Replaces the API key's value wherever text from a server or the SDK reaches a message.</summary>
internal sealed class SecretRedactor(string? secret)
{
    // why: some servers echo the key back in their 401 body ("Incorrect API key provided: sk-...").
    public string Redact(string text) =>
        string.IsNullOrEmpty(secret) || secret.Length < 4 ? text : text.Replace(secret, "***", StringComparison.Ordinal);

    public override string ToString() => nameof(SecretRedactor);
}
