using System.Diagnostics;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Live counters for one endpoint client (thread-safe, lock-free): requests done, in flight, retried by cause,
/// failed, truncated, tokens in and out, latency. Read a consistent-enough copy with <see cref="Snapshot"/>.
/// </summary>
public sealed class EndpointStats(EndpointPrices prices)
{
    private readonly long[] _retries = new long[Enum.GetValues<FaultCause>().Length];
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private long _started, _completed, _failed, _truncated, _inFlight, _inputTokens, _outputTokens, _latencyTicks, _maxLatencyTicks;

    internal void RecordStart() { Interlocked.Increment(ref _started); Interlocked.Increment(ref _inFlight); }

    internal void RecordRetry(FaultCause cause) => Interlocked.Increment(ref _retries[(int)cause]);

    internal void RecordFailure() { Interlocked.Decrement(ref _inFlight); Interlocked.Increment(ref _failed); }

    internal void RecordCancelled() => Interlocked.Decrement(ref _inFlight);

    internal void RecordSuccess(long inputTokens, long outputTokens, bool isTruncated, TimeSpan latency)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _completed);
        Interlocked.Add(ref _inputTokens, inputTokens);
        Interlocked.Add(ref _outputTokens, outputTokens);
        if (isTruncated) Interlocked.Increment(ref _truncated);
        Interlocked.Add(ref _latencyTicks, latency.Ticks);
        var max = Volatile.Read(ref _maxLatencyTicks);
        while (latency.Ticks > max && Interlocked.CompareExchange(ref _maxLatencyTicks, latency.Ticks, max) is var seen && seen != max)
            max = seen;
    }

    /// <summary>A copy of the counters now; <paramref name="expectedRequests"/> (when known) gives an ETA.</summary>
    public EndpointStatsSnapshot Snapshot(long? expectedRequests = null)
    {
        var elapsed = Stopwatch.GetElapsedTime(_startTimestamp);
        var completed = Interlocked.Read(ref _completed);
        var failed = Interlocked.Read(ref _failed);
        var input = Interlocked.Read(ref _inputTokens);
        var output = Interlocked.Read(ref _outputTokens);
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        TimeSpan? eta = expectedRequests is { } total && completed + failed > 0
            ? TimeSpan.FromSeconds(Math.Max(0, total - completed - failed) * seconds / (completed + failed)) : null;
        return new EndpointStatsSnapshot
        {
            Started = Interlocked.Read(ref _started),
            Completed = completed,
            Failed = failed,
            InFlight = Interlocked.Read(ref _inFlight),
            Truncated = Interlocked.Read(ref _truncated),
            RetriesByCause = Enum.GetValues<FaultCause>().ToDictionary(c => c, c => Interlocked.Read(ref _retries[(int)c])),
            InputTokens = input,
            OutputTokens = output,
            OutputTokensPerSecond = output / seconds,
            MeanLatency = completed == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks) / completed),
            MaxLatency = TimeSpan.FromTicks(Interlocked.Read(ref _maxLatencyTicks)),
            Elapsed = elapsed,
            Eta = eta,
            EstimatedCostUsd = prices.Cost(input, output),
        };
    }
}

/// <summary>The counters of <see cref="EndpointStats"/> at one moment, for progress lines and the run summary.</summary>
public sealed record EndpointStatsSnapshot
{
    /// <summary>Requests accepted by the client (retries not counted again).</summary>
    public long Started { get; init; }
    /// <summary>Requests answered.</summary>
    public long Completed { get; init; }
    /// <summary>Requests that failed for good (non-retryable or retries exhausted).</summary>
    public long Failed { get; init; }
    /// <summary>Requests started and not yet finished, waiting ones included.</summary>
    public long InFlight { get; init; }
    /// <summary>Answers whose finish reason was <c>length</c>.</summary>
    public long Truncated { get; init; }
    /// <summary>Retries per cause.</summary>
    public IReadOnlyDictionary<FaultCause, long> RetriesByCause { get; init; } = new Dictionary<FaultCause, long>();
    /// <summary>All retries.</summary>
    public long Retries => RetriesByCause.Values.Sum();
    /// <summary>Prompt tokens reported by the engine.</summary>
    public long InputTokens { get; init; }
    /// <summary>Completion tokens reported by the engine.</summary>
    public long OutputTokens { get; init; }
    /// <summary>Completion tokens per second of wall time since the client was created.</summary>
    public double OutputTokensPerSecond { get; init; }
    /// <summary>Mean request latency, retries included.</summary>
    public TimeSpan MeanLatency { get; init; }
    /// <summary>Largest request latency.</summary>
    public TimeSpan MaxLatency { get; init; }
    /// <summary>Time since the client was created.</summary>
    public TimeSpan Elapsed { get; init; }
    /// <summary>Remaining time at the rate so far, when the expected total was given.</summary>
    public TimeSpan? Eta { get; init; }
    /// <summary>Dollars at the recipe's prices.</summary>
    public decimal EstimatedCostUsd { get; init; }

    /// <summary>One progress line, e.g. for a console status bar.</summary>
    public override string ToString() =>
        $"done {Completed} in flight {InFlight} failed {Failed} retried {Retries} " +
        $"({string.Join(", ", RetriesByCause.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}"))}) " +
        $"truncated {Truncated} tokens {InputTokens}/{OutputTokens} {OutputTokensPerSecond:F0} tok/s " +
        $"latency {MeanLatency.TotalMilliseconds:F0} ms cost ${EstimatedCostUsd:F4}" + (Eta is { } e ? $" eta {e:hh\\:mm\\:ss}" : "");
}
