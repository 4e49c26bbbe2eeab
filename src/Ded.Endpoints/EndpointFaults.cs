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
    /// <summary>HTTP 200 whose body held no answer: <c>choices: []</c> or none at all.</summary>
    NoChoices,
    /// <summary>HTTP 200 whose body (or a stream event) was an <c>error</c> object, as proxies and vLLM's streams send.</summary>
    ErrorBody,
}

/// <summary>
/// An endpoint failure the user must act on (401, 403, 404, 400, a missing key variable) or one that outlasted
/// all retries. The message names the endpoint and the key variable's name; it never holds the key's value.
/// </summary>
public sealed class EndpointException(string message, int? statusCode = null, string? cause = null) : Exception(message)
{
    /// <summary>The HTTP status that caused it, when there was one.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>Why, in <see cref="FaultCauses"/>' words: the status's (401 <c>unauthorized</c>, ...) or the last transient fault's.</summary>
    public string Cause { get; } = cause ?? (statusCode is { } s ? FaultCauses.OfStatus(s) : FaultCauses.Error);

    /// <summary>The earlier attempts of the same request that failed and were retried, oldest first.</summary>
    public IReadOnlyList<AttemptFault> Retried { get; internal set; } = [];
}

/// <summary>A fault a retry may fix; raised by <see cref="FaultClassifyingChatClient"/>, consumed by <see cref="RetryingChatClient"/>.</summary>
internal sealed class TransientEndpointException(FaultCause cause, string baseUrl, string detail, TimeSpan? retryAfter = null, int? statusCode = null)
    : Exception($"{baseUrl}: {cause}: {detail}")
{
    public FaultCause Cause { get; } = cause;
    public string BaseUrl { get; } = baseUrl;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public int? StatusCode { get; } = statusCode;
}

/// <summary>
/// Replaces secrets wherever text from a server or the SDK reaches a message: the API key's value (as sent, URL- and
/// JSON-escaped), bearer tokens and key-like header and query values. Redaction comes before any cut (<see cref="Excerpt"/>),
/// so a cut never leaves a key's prefix behind.
/// </summary>
internal sealed partial class SecretRedactor(string? secret)
{
    private const string Mask = "***";
    private readonly string[] _forms = secret is { Length: >= 4 }
        ? new[] { secret, Uri.EscapeDataString(secret), System.Text.Json.JsonEncodedText.Encode(secret).Value }.Distinct().ToArray()
        : [];

    // why: some servers echo the key back in their 401 body ("Incorrect API key provided: sk-..."), proxies echo
    // request headers, and URLs may carry keys as query parameters.
    public string Redact(string text)
    {
        foreach (var form in _forms) text = text.Replace(form, Mask, StringComparison.Ordinal);
        text = BearerToken().Replace(text, "${1}" + Mask);
        return KeyValue().Replace(text, "${1}" + Mask);
    }

    /// <summary>The redacted text on one line, cut to <paramref name="max"/> characters.</summary>
    public string Excerpt(string? text, int max = 300)
    {
        if (text is null) return "";
        var redacted = Redact(text).ReplaceLineEndings(" ");
        return redacted.Length <= max ? redacted : redacted[..max] + "…";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(\bBearer\s+)[^\s""',;]+", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex BearerToken();

    [System.Text.RegularExpressions.GeneratedRegex(@"((?:\b(?:api[-_]?key|x-api-key|access[-_]?token|key|secret)""?\s*[:=]\s*""?))[^\s""'&,;}]+",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex KeyValue();

    public override string ToString() => nameof(SecretRedactor);
}

/// <summary>One attempt of a request that failed: why (<see cref="FaultCauses"/>), its HTTP status if any, what was said (redacted), when.</summary>
public sealed record AttemptFault(string Cause, int? StatusCode, string Error, DateTimeOffset StartedAt, DateTimeOffset FinishedAt);

/// <summary>
/// The words for why a request or an attempt failed, as run.db, metrics.json and the run summary write them, with
/// what to do about each. Transient faults are <see cref="FaultCause"/> in snake case; the rest come from the status.
/// </summary>
public static class FaultCauses
{
    public const string Unauthorized = "unauthorized", Forbidden = "forbidden", NotFound = "not_found", BadRequest = "bad_request",
        Rejected = "rejected", MissingKey = "missing_key", Error = "error", Cancelled = "cancelled";

    public static string Of(FaultCause cause) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(cause.ToString());

    public static string OfStatus(int status) => status switch
    {
        401 => Unauthorized, 403 => Forbidden, 404 => NotFound, 400 or 422 => BadRequest,
        429 => Of(FaultCause.RateLimited), >= 500 or 408 => Of(FaultCause.ServerError), _ => Rejected,
    };

    /// <summary>An error as printed: at most 400 characters (errors are redacted before they are stored, so cutting is safe).</summary>
    public static string Shorten(string error) => error.Length <= 400 ? error : error[..400] + "…";

    /// <summary>What the user should do about <paramref name="cause"/>.</summary>
    public static string Advice(string cause) => cause switch
    {
        Unauthorized => "the endpoint rejected the API key: check that the variable named by endpoint.api_key_env holds a valid key for it",
        Forbidden => "the key may not use this model: check its permissions",
        NotFound => "no such model or route: check endpoint.model (the served model name) and that base_urls end in /v1",
        BadRequest => "the engine rejected a request field: check the recipe's sampling and endpoint.sampling settings (the error names the field when the server did)",
        Rejected => "the engine refused the request: see the error",
        MissingKey => "export the variable named by endpoint.api_key_env",
        Cancelled => "the run was stopped: run the same command again to resume",
        "rate_limited" => "the endpoint asked to slow down: lower endpoint.max_in_flight or set endpoint.requests_per_minute",
        "server_error" => "the engine failed (HTTP 5xx): check its log; retries ride out a restart",
        "timeout" => "an attempt outlasted endpoint.attempt_timeout: raise it for long answers, or check that the engine is not stuck",
        "malformed" => "the answer was not valid JSON: check the engine and any proxy in between",
        "stream_cut" => "the stream ended before its finish reason: check the engine and any proxy in between",
        "connection" => "the endpoint could not be reached: check that the engine is up and endpoint.base_urls is right",
        "no_choices" => "the engine answered HTTP 200 without any choice: check its log",
        "error_body" => "the engine answered HTTP 200 with an error object: see the error",
        _ => "the teacher failed: see the error",
    };
}
