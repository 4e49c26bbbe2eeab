namespace Ded.Cli.Serving;

/// <summary>How `ded serve` listens and whom it answers.</summary>
internal sealed record ServeOptions
{
    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>When set, every /v1 request must carry <c>Authorization: Bearer KEY</c>.</summary>
    public string? Key { get; init; }

    public ServeLimits Limits { get; init; } = new();

    /// <summary>Host header names accepted besides the loopback names (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>):
    /// a name a browser page could resolve to 127.0.0.1 (DNS rebinding) is refused unless listed. <c>*.example</c> and
    /// <c>*</c> match as ASP.NET Core's host filtering does.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Origins (scheme://host[:port]) whose browser pages may call the API; requests with any other
    /// <c>Origin</c> header are refused before they run.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];
}

/// <summary>
/// What one `ded serve` process holds at most, and so its memory bound (docs/endpoints.md, "Limits"):
/// <c>RSS ≤ idle RSS + MaxConcurrent × PerRequestBytes + MaxConnections × 2 × ConnectionBufferBytes</c>. A queued request
/// holds no body: it waits in the socket (at most a connection buffer of it in the process), read only when it runs.
/// </summary>
internal sealed record ServeLimits
{
    /// <summary>Kestrel's unread-input and unsent-output buffer per connection (its defaults are 1 MiB and 64 KiB):
    /// a connection beyond it waits on the socket, so idle or slow clients cost kernel buffers, not heap.</summary>
    public const int ConnectionBufferBytes = 64 * 1024;

    /// <summary>JSON values (tokens) a request body may hold: a chat of 2,048 messages takes about 12,000.</summary>
    public const int MaxJsonValues = 50_000;

    /// <summary>The largest request body; a larger one is refused with 413 before it is read.</summary>
    public int MaxRequestBytes { get; init; } = 256 * 1024; // why: a lab or benchmark prompt is a few KiB; 256 KiB leaves room for long chats

    /// <summary>Generation requests running at once; the student runs one at a time anyway.</summary>
    public int MaxConcurrent { get; init; } = 8; // why: a run's default max_in_flight is 8

    /// <summary>Requests waiting for a running slot; one more is refused with 429 and <c>Retry-After</c>.</summary>
    public int MaxQueued { get; init; } = 64;

    /// <summary>The whole request body must arrive within this; a slower one is refused with 408.</summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Open connections; Kestrel closes the ones beyond it unanswered. Twice the running and queued requests,
    /// so a client's idle keep-alive connections never crowd out requests.</summary>
    public int MaxConnections => 2 * (MaxConcurrent + MaxQueued);

    /// <summary>What one running request may add to the resident set: its body, the JSON index (12 bytes a value, at most
    /// <see cref="MaxJsonValues"/>), the text as UTF-16 (twice the body) and its messages, about 5 times the body live; the
    /// rest is garbage the GC has not collected yet (measured by `ded bench serve`: 100 parallel bodies at the cap).</summary>
    public long PerRequestBytes => 32L * MaxRequestBytes;

    /// <summary>The documented bound above idle RSS, in bytes.</summary>
    public long MemoryBoundBytes => MaxConcurrent * PerRequestBytes + 2L * MaxConnections * ConnectionBufferBytes;

    /// <summary>The limits and the memory bound in one line, as `ded serve` prints them at start.</summary>
    public string Describe() =>
        $"limits: bodies up to {MaxRequestBytes / 1024} KiB, {MaxConcurrent} running, {MaxQueued} queued, {MaxConnections} connections; " +
        $"memory at most {MemoryBoundBytes >> 20} MiB above idle (docs/endpoints.md)";

    /// <exception cref="InvalidOperationException">A limit is out of range (named as its command-line option).</exception>
    public void Validate()
    {
        Check(MaxRequestBytes is >= 1024 and <= 256 << 20, $"--max-request-bytes must be in 1024..{256 << 20} (got {MaxRequestBytes})");
        Check(MaxConcurrent is >= 1 and <= 1024, $"--max-concurrent must be in 1..1024 (got {MaxConcurrent})");
        Check(MaxQueued is >= 0 and <= 100_000, $"--max-queued must be in 0..100000 (got {MaxQueued})");
        Check(BodyTimeout >= TimeSpan.FromSeconds(1), $"--body-timeout-s must be at least 1 (got {BodyTimeout.TotalSeconds})");
    }

    private static void Check(bool ok, string message)
    {
        if (!ok) throw new InvalidOperationException(message);
    }
}
