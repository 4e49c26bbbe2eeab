using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Requests-per-minute and tokens-per-minute token buckets (System.Threading.RateLimiting), refilled every second.
/// Tokens are charged before sending: a prompt estimate (4 characters a token) plus the max output tokens,
/// which is how hosted APIs count against their limits; a charge above the bucket size is capped to it.
/// </summary>
internal sealed class RateLimitingChatClient : DelegatingChatClient
{
    private readonly TokenBucketRateLimiter? _requests;
    private readonly TokenBucketRateLimiter? _tokens;
    private readonly int _tokensPerMinute;

    public RateLimitingChatClient(IChatClient inner, int? requestsPerMinute, int? tokensPerMinute) : base(inner)
    {
        _requests = requestsPerMinute is { } rpm ? PerMinute(rpm) : null;
        _tokens = tokensPerMinute is { } tpm ? PerMinute(tpm) : null;
        _tokensPerMinute = tokensPerMinute ?? 0;
    }

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await WaitAsync(messages, options, cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await WaitAsync(messages, options, cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            yield return update;
    }

    private async ValueTask WaitAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken ct)
    {
        if (_requests is not null) (await _requests.AcquireAsync(1, ct).ConfigureAwait(false)).Dispose();
        if (_tokens is not null)
        {
            var charge = Math.Min(EstimateTokens(messages, options), _tokensPerMinute);
            (await _tokens.AcquireAsync((int)charge, ct).ConfigureAwait(false)).Dispose();
        }
    }

    /// <summary>Prompt characters / 4 (the usual rule of thumb for BPE vocabularies) plus the output limit.</summary>
    internal static long EstimateTokens(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        long chars = 0;
        foreach (var m in messages) chars += m.Text.Length;
        return chars / 4 + 1 + (options?.MaxOutputTokens ?? 0);
    }

    private static TokenBucketRateLimiter PerMinute(int perMinute) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = perMinute,
        TokensPerPeriod = Math.Max(1, (perMinute + 59) / 60),
        ReplenishmentPeriod = TimeSpan.FromSeconds(1), // why: per-second refill keeps the rate smooth instead of minute-sized bursts
        AutoReplenishment = true,
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    protected override void Dispose(bool disposing)
    {
        if (disposing) { _requests?.Dispose(); _tokens?.Dispose(); }
        base.Dispose(disposing);
    }
}
