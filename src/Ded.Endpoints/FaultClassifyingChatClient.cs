using System.ClientModel;
using System.Globalization;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Innermost layer for one base URL: turns what the OpenAI SDK and HttpClient throw into either a
/// <see cref="TransientEndpointException"/> (retry may fix it) or an <see cref="EndpointException"/> (the user must).
/// </summary>
internal sealed class FaultClassifyingChatClient(IChatClient inner, string baseUrl, string model, string? apiKeyEnv, SecretRedactor redactor)
    : DelegatingChatClient(inner)
{
    public string BaseUrl { get; } = baseUrl;

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Classify(ex) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var e = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await e.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Classify(ex) is { } mapped)
            {
                throw mapped;
            }
            if (!more) yield break;
            if (AnswerBody.ErrorEvent(e.Current, BaseUrl, redactor) is { } error) throw error;
            yield return e.Current;
        }
    }

    /// <summary>The exception to throw instead of <paramref name="ex"/>, or null to let it pass.</summary>
    internal Exception? Classify(Exception ex) => ex switch
    {
        TransientEndpointException or EndpointException => null,
        ClientResultException cre when cre.Status != 0 => FromStatus(cre),
        JsonException or FormatException => Transient(FaultCause.Malformed, ex),
        // why: the SDK wraps transport errors in a status-0 ClientResultException; look at what it wraps.
        ClientResultException { InnerException: { } innerEx } => Classify(innerEx) ?? Transient(FaultCause.Connection, ex),
        ClientResultException => Transient(FaultCause.Connection, ex),
        HttpRequestException or IOException or SocketException => Transient(FaultCause.Connection, ex),
        // A cancellation the caller did not ask for is HttpClient's or the SDK's own timeout.
        OperationCanceledException => Transient(FaultCause.Timeout, ex),
        _ => null,
    };

    private Exception FromStatus(ClientResultException cre)
    {
        var status = cre.Status;
        if (status == 429) return Transient(FaultCause.RateLimited, cre, RetryAfter(cre), status);
        if (status >= 500 || status == 408) return Transient(FaultCause.ServerError, cre, RetryAfter(cre), status);
        var raw = cre.GetRawResponse()?.Content?.ToString();
        var what = status switch
        {
            401 => apiKeyEnv is null
                ? "needs an API key: set endpoint.api_key_env to the name of the variable holding it"
                : $"rejected the key: check that environment variable {apiKeyEnv} holds a valid key for this endpoint",
            403 => $"refused access to model '{model}' with the key from {apiKeyEnv ?? "(no api_key_env)"}: check the key's permissions",
            404 => $"has no such route or model: check endpoint.model ('{model}' must be the served model name) and endpoint.base_urls (ending in /v1)",
            _ => AnswerBody.RejectedField(raw) is { } field
                ? $"rejected the request field '{field}': check that this engine accepts it (the recipe's sampling or endpoint.sampling sets it)"
                : "rejected the request: check the sampling settings in the recipe",
        };
        return new EndpointException($"endpoint {BaseUrl} answered HTTP {status}: it {what}. Server said: {redactor.Excerpt(raw)}", status);
    }

    private TransientEndpointException Transient(FaultCause cause, Exception ex, TimeSpan? retryAfter = null, int? status = null) =>
        new(cause, BaseUrl, redactor.Excerpt(ex.Message), retryAfter, status);

    /// <summary>Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3).</summary>
    internal static TimeSpan? RetryAfter(ClientResultException cre) =>
        cre.GetRawResponse() is { } response && response.Headers.TryGetValue("Retry-After", out var value)
            ? ParseRetryAfter(value, DateTimeOffset.UtcNow) : null;

    internal static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;
        if (DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at > now ? at - now : TimeSpan.Zero;
        return null;
    }
}
