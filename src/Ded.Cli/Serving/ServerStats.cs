using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Ded.Cli.Serving;

/// <summary>
/// What the server received, for tests and a quick look (<c>GET /stats</c>): requests per path, distinct request
/// bodies per path, and the seeds of chat requests that arrived more than once (how a test proves that a resumed run
/// re-sent only what was in flight). Keeps one digest per distinct body: a test and demo server, not a fleet's.
/// </summary>
internal sealed class ServerStats
{
    private readonly ConcurrentDictionary<string, int> _requests = new();
    private readonly ConcurrentDictionary<string, byte> _bodies = new();
    private readonly ConcurrentDictionary<string, int> _distinct = new();
    private readonly ConcurrentQueue<long> _repeatedSeeds = new();
    private int _unauthorized, _inFlight;

    public void Unauthorized() => Interlocked.Increment(ref _unauthorized);

    public void Started(string path)
    {
        _requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _inFlight);
    }

    public void Finished() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Records a request body; a repeat of an earlier identical chat body records its seed.</summary>
    public void Body(string path, ReadOnlySpan<byte> body, long? seed)
    {
        var digest = path + " " + Convert.ToHexString(SHA256.HashData(body));
        if (_bodies.TryAdd(digest, 0)) _distinct.AddOrUpdate(path, 1, (_, n) => n + 1);
        else if (seed is { } s) _repeatedSeeds.Enqueue(s);
    }

    public JsonObject ToJson() => new()
    {
        ["requests"] = Counts(_requests),
        ["distinct"] = Counts(_distinct),
        ["repeated_seeds"] = new JsonArray([.. _repeatedSeeds.Order().Select(s => (JsonNode)s)]),
        ["unauthorized"] = Volatile.Read(ref _unauthorized),
        ["in_flight"] = Volatile.Read(ref _inFlight),
    };

    private static JsonObject Counts(ConcurrentDictionary<string, int> counts) =>
        new(counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}
