using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>Holds at most <see cref="EndpointOptions.MaxInFlight"/> attempts in flight; the rest wait in arrival order.</summary>
internal sealed class ConcurrencyLimitingChatClient(IChatClient inner, int maxInFlight) : DelegatingChatClient(inner)
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = maxInFlight,
        QueueLimit = int.MaxValue, // why: the rollout stage bounds what it submits; rejecting here would lose samples
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var lease = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var lease = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            yield return update;
    }

    private async ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired) throw new InvalidOperationException("concurrency limiter refused a permit with an unbounded queue");
        return lease;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _limiter.Dispose();
        base.Dispose(disposing);
    }
}
