using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Retries transient faults (429, 5xx, attempt timeouts, connection resets, malformed JSON, cut streams) with
/// jittered exponential backoff that yields to <c>Retry-After</c>; each attempt runs under
/// <see cref="EndpointOptions.AttemptTimeout"/>. 400/401/403/404 pass straight through. Built on Polly.Core.
/// </summary>
internal sealed class RetryingChatClient : DelegatingChatClient
{
    private readonly ResiliencePipeline _pipeline;
    private readonly ResiliencePipeline _streamPipeline;
    private readonly EndpointOptions _options;

    public RetryingChatClient(IChatClient inner, EndpointOptions options, EndpointStats stats) : base(inner)
    {
        _options = options;
        var retry = options.Retry;
        var jitter = new Random(retry.JitterSeed);
        var retryOptions = new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = retry.UseJitter,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                // why: Polly's default randomizer is shared and unseeded; a seeded one makes reruns repeat their delays.
                Randomizer = () => { lock (jitter) return jitter.NextDouble(); },
                ShouldHandle = new PredicateBuilder().Handle<TransientEndpointException>().Handle<TimeoutRejectedException>(),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception, retry.MaxDelay)),
                OnRetry = args =>
                {
                    stats.RecordRetry(CauseOf(args.Outcome.Exception));
                    if (args.Context.Properties.TryGetValue(LogKey, out var log)) log.Failed(args.Outcome.Exception, options.AttemptTimeout);
                    return default;
                },
            };
        _pipeline = WithRetry(retry.MaxAttempts, retryOptions).AddTimeout(options.AttemptTimeout).Build();
        _streamPipeline = WithRetry(retry.MaxAttempts, retryOptions).Build();
    }

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var log = new AttemptLog();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(LogKey, log);
        try
        {
            var response = await _pipeline.ExecuteAsync(async ctx =>
            {
                log.Begin();
                return await base.GetResponseAsync(messages, options, ctx.CancellationToken).ConfigureAwait(false);
            }, context).ConfigureAwait(false);
            var props = response.AdditionalProperties ??= [];
            props[EndpointMetadata.Attempts] = log.Attempts;
            if (log.Faults.Count > 0) props[EndpointMetadata.Retried] = log.Faults;
            return response;
        }
        catch (Exception ex) when (ex is TransientEndpointException or TimeoutRejectedException)
        {
            throw GaveUp(ex, log.Attempts, log.Faults);
        }
        catch (EndpointException ex)
        {
            ex.Retried = log.Faults; // a 4xx after retried faults: those attempts happened too
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Retries until the first update arrives; a stream that fails after that is the caller's to resend.</summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var attempts = 0;
        (IAsyncEnumerator<ChatResponseUpdate> Stream, CancellationTokenSource Timeout) open;
        try
        {
            // why: the timeout must outlive the pipeline call, and Polly pools its timeout tokens, so each
            // streaming attempt owns its CancellationTokenSource for the life of the stream.
            open = await _streamPipeline.ExecuteAsync(async token =>
            {
                attempts++;
                return await OpenAsync(messages, options, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (TransientEndpointException ex)
        {
            throw GaveUp(ex, attempts, []);
        }
        using (open.Timeout)
        await using (open.Stream.ConfigureAwait(false))
        {
            do yield return open.Stream.Current;
            while (await open.Stream.MoveNextAsync().ConfigureAwait(false));
        }
    }

    private async ValueTask<(IAsyncEnumerator<ChatResponseUpdate>, CancellationTokenSource)> OpenAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AttemptTimeout);
        var stream = base.GetStreamingResponseAsync(messages, options, timeout.Token).GetAsyncEnumerator(timeout.Token);
        try
        {
            if (await stream.MoveNextAsync().ConfigureAwait(false)) return (stream, timeout);
            throw new TransientEndpointException(FaultCause.StreamCut, string.Join(", ", _options.BaseUrls), "stream ended before its first update");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            timeout.Dispose();
            throw new TransientEndpointException(FaultCause.Timeout, string.Join(", ", _options.BaseUrls), $"no update within {_options.AttemptTimeout}");
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            timeout.Dispose();
            throw;
        }
    }

    private EndpointException GaveUp(Exception last, int attempts, IReadOnlyList<AttemptFault> retried)
    {
        var where = last is TransientEndpointException t ? t.BaseUrl : string.Join(", ", _options.BaseUrls);
        var detail = last is TransientEndpointException te ? te.Message : $"attempt timed out after {_options.AttemptTimeout}";
        return new EndpointException(
            $"endpoint {where} (model {_options.Model}) failed {attempts} attempt(s); last fault: {CauseOf(last)}: {detail}. " +
            "Check that the engine is up; raise endpoint.retry.max_attempts or endpoint.attempt_timeout if it is only slow.",
            (last as TransientEndpointException)?.StatusCode, FaultCauses.Of(CauseOf(last))) { Retried = retried };
    }

    private static ResiliencePipelineBuilder WithRetry(int maxAttempts, RetryStrategyOptions retry) =>
        maxAttempts > 1 ? new ResiliencePipelineBuilder().AddRetry(retry) : new ResiliencePipelineBuilder();

    internal static FaultCause CauseOf(Exception? ex) => ex is TransientEndpointException t ? t.Cause : FaultCause.Timeout;

    private static readonly ResiliencePropertyKey<AttemptLog> LogKey = new("ded.attempt_log");

    /// <summary>One request's attempts (they run one after another): how many, and each that failed and was retried.</summary>
    private sealed class AttemptLog
    {
        private DateTimeOffset _started;
        private readonly List<AttemptFault> _faults = [];

        public int Attempts { get; private set; }
        public IReadOnlyList<AttemptFault> Faults => _faults;

        public void Begin()
        {
            Attempts++;
            _started = DateTimeOffset.UtcNow;
        }

        public void Failed(Exception? ex, TimeSpan attemptTimeout) => _faults.Add(new AttemptFault(
            FaultCauses.Of(CauseOf(ex)), (ex as TransientEndpointException)?.StatusCode,
            ex is TransientEndpointException t ? t.Message : $"attempt timed out after {attemptTimeout}", _started, DateTimeOffset.UtcNow));
    }

    // why: timers may fire a millisecond early; the margin keeps the wait at or above what the server asked for.
    private static readonly TimeSpan RetryAfterMargin = TimeSpan.FromMilliseconds(20);

    private static TimeSpan? RetryAfter(Exception? ex, TimeSpan max) =>
        ex is TransientEndpointException { RetryAfter: { } after } ? (after < max ? after : max) + RetryAfterMargin : null;
}
