using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Spreads attempts over several base URLs: the one with the fewest in flight wins, and a URL that just failed
/// sits out a cool-down (its Retry-After, else 1 s per consecutive failure up to 30 s), so the retry layer's
/// next attempt fails over to another. When all are cooling down, the one that recovers first is used.
/// </summary>
internal sealed class LoadBalancingChatClient : IChatClient
{
    private sealed class Member(IChatClient client, string baseUrl)
    {
        public readonly IChatClient Client = client;
        public readonly string BaseUrl = baseUrl;
        public int InFlight;
        public int ConsecutiveFailures;
        public long CoolDownUntilMs;
    }

    private static readonly TimeSpan MaxCoolDown = TimeSpan.FromSeconds(30);
    private readonly Member[] _members;
    private readonly IDisposable? _owned;
    private int _rotation;

    public LoadBalancingChatClient(IReadOnlyList<(IChatClient Client, string BaseUrl)> members, IDisposable? owned)
    {
        _members = [.. members.Select(m => new Member(m.Client, m.BaseUrl))];
        _owned = owned;
    }

    /// <summary>Attempts in flight per base URL, for progress displays and tests.</summary>
    public IReadOnlyDictionary<string, int> InFlightByUrl() => _members.ToDictionary(m => m.BaseUrl, m => Volatile.Read(ref m.InFlight));

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var member = Pick();
        Interlocked.Increment(ref member.InFlight);
        try
        {
            var response = await member.Client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref member.ConsecutiveFailures, 0);
            if (_members.Length > 1) (response.AdditionalProperties ??= [])[EndpointMetadata.BaseUrl] = member.BaseUrl;
            return response;
        }
        catch (Exception ex)
        {
            // why: the retry layer's attempt timeout reaches us as a cancellation; a stalled URL must cool down too.
            CoolDown(member, ex);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref member.InFlight);
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var member = Pick();
        Interlocked.Increment(ref member.InFlight);
        try
        {
            await foreach (var update in member.Client.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
                yield return update;
            Volatile.Write(ref member.ConsecutiveFailures, 0);
        }
        finally
        {
            Interlocked.Decrement(ref member.InFlight);
        }
    }

    private Member Pick()
    {
        if (_members.Length == 1) return _members[0];
        var now = Environment.TickCount64;
        var start = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)_members.Length); // why: ties rotate
        Member? best = null, soonest = null;
        for (var i = 0; i < _members.Length; i++)
        {
            var m = _members[(start + i) % _members.Length];
            if (soonest is null || Volatile.Read(ref m.CoolDownUntilMs) < Volatile.Read(ref soonest.CoolDownUntilMs)) soonest = m;
            if (Volatile.Read(ref m.CoolDownUntilMs) > now) continue;
            if (best is null || Volatile.Read(ref m.InFlight) < Volatile.Read(ref best.InFlight)) best = m;
        }
        return best ?? soonest!;
    }

    private void CoolDown(Member member, Exception ex)
    {
        if (ex is EndpointException) return; // the user's to fix; every URL would answer the same
        var failures = Interlocked.Increment(ref member.ConsecutiveFailures);
        var wait = ex is TransientEndpointException { RetryAfter: { } after } ? after : TimeSpan.FromSeconds(failures);
        if (wait > MaxCoolDown) wait = MaxCoolDown;
        Volatile.Write(ref member.CoolDownUntilMs, Environment.TickCount64 + (long)wait.TotalMilliseconds);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : _members[0].Client.GetService(serviceType, serviceKey);

    public void Dispose()
    {
        foreach (var m in _members) m.Client.Dispose();
        _owned?.Dispose();
    }
}
