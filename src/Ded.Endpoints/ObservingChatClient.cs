using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Outermost layer: counts each request once in <see cref="EndpointStats"/> (retries are counted by the retry
/// layer) and stamps its latency on the response. <c>GetService(typeof(EndpointStats))</c> returns the stats.
/// </summary>
internal sealed class ObservingChatClient(IChatClient inner, EndpointStats stats) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        stats.RecordStart();
        var started = Stopwatch.GetTimestamp();
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stats.RecordCancelled();
            throw;
        }
        catch
        {
            stats.RecordFailure();
            throw;
        }
        var latency = Stopwatch.GetElapsedTime(started);
        stats.RecordSuccess(response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0,
            response.FinishReason == ChatFinishReason.Length, latency);
        (response.AdditionalProperties ??= [])[EndpointMetadata.LatencyMs] = latency.TotalMilliseconds;
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        stats.RecordStart();
        var started = Stopwatch.GetTimestamp();
        long input = 0, output = 0;
        var truncated = false;
        var outcome = Outcome.Abandoned; // the caller stopped reading early: neither answered nor failed
        await using var e = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                // why: C# allows no yield inside a try with a catch, so the catch wraps only the MoveNext.
                bool more;
                try
                {
                    more = await e.MoveNextAsync().ConfigureAwait(false);
                }
                catch
                {
                    outcome = cancellationToken.IsCancellationRequested ? Outcome.Abandoned : Outcome.Failed;
                    throw;
                }
                if (!more) break;
                foreach (var content in e.Current.Contents)
                    if (content is UsageContent usage)
                    {
                        input += usage.Details.InputTokenCount ?? 0;
                        output += usage.Details.OutputTokenCount ?? 0;
                    }
                truncated |= e.Current.FinishReason == ChatFinishReason.Length;
                yield return e.Current;
            }
            outcome = Outcome.Answered;
        }
        finally
        {
            if (outcome == Outcome.Answered) stats.RecordSuccess(input, output, truncated, Stopwatch.GetElapsedTime(started));
            else if (outcome == Outcome.Failed) stats.RecordFailure();
            else stats.RecordCancelled();
        }
    }

    private enum Outcome { Abandoned, Failed, Answered }

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EndpointStats) ? stats : base.GetService(serviceType, serviceKey);
}
