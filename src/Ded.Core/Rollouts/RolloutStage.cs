using System.Diagnostics;
using Ded.Data;
using Ded.Runs;
using Ded.Teachers;
using Ded.Teachers.Endpoints;

namespace Ded.Rollouts;

/// <summary>Where a rollout stands, for progress displays.</summary>
public sealed record RolloutProgress(int Total, int AlreadyStored, int Done, int InFlight, int Failed, TimeSpan? Eta);

/// <summary>What one rollout invocation did.</summary>
public sealed record RolloutSummary(int Total, int AlreadyStored, int Sent, int Failed, int AbandonedEarlier)
{
    /// <summary>This invocation's failed attempts by outcome, cause and status (retried ones included), from the store.</summary>
    public IReadOnlyList<AttemptCount> FailedAttempts { get; init; } = [];

    /// <summary>Samples were asked for and every one failed: nothing new was stored.</summary>
    public bool AllFailed => Failed > 0 && Sent == 0;
}

/// <summary>
/// Draws M samples per question per teacher. Each response is stored the moment it arrives, keyed by its request
/// key, so a rerun after a kill sends only the samples the store lacks.
/// </summary>
public static class RolloutStage
{
    public static Task<RolloutSummary> RunAsync(RunStore store, IReadOnlyList<Question> questions,
        IReadOnlyList<TeacherClient> teachers, RolloutOptions options, IProgress<RolloutProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentNullException.ThrowIfNull(teachers);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1);
        return RunCoreAsync(store, questions, teachers, options, progress, cancellationToken);
    }

    /// <summary>Every sample the recipe asks for, in question, teacher, sample order.</summary>
    public static IReadOnlyList<RolloutRequest> Plan(IReadOnlyList<Question> questions, IReadOnlyList<TeacherSpec> teachers, SamplingSettings sampling) =>
        (from q in questions
         from t in teachers
         from i in Enumerable.Range(0, sampling.SamplesPerQuestion)
         select RolloutRequest.Create(q, t, i, sampling)).ToList();

    private static async Task<RolloutSummary> RunCoreAsync(RunStore store, IReadOnlyList<Question> questions,
        IReadOnlyList<TeacherClient> teachers, RolloutOptions options, IProgress<RolloutProgress>? progress, CancellationToken ct)
    {
        var invocation = Guid.NewGuid().ToString("N");
        int abandoned = store.AbandonUnfinishedRequests(invocation);
        var clients = teachers.ToDictionary(t => t.Spec.Name, t => t.Client);

        var plan = Plan(questions, teachers.Select(t => t.Spec).ToList(), options.Sampling);
        var stored = store.StoredRequestKeys();
        var pending = plan.Where(r => !stored.Contains(r.RequestKey)).ToList();
        var tracker = new Tracker(plan.Count, plan.Count - pending.Count, progress);
        tracker.Report();

        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = ct },
            async (request, token) => await SampleAsync(store, clients[request.Teacher.Name], request, invocation, tracker, token));

        store.SaveMetrics("rollout", new Dictionary<string, double>
        {
            ["planned"] = plan.Count, ["stored"] = store.StoredRequestKeys().Count, ["failed_last_invocation"] = tracker.Failed,
        });
        return new RolloutSummary(plan.Count, plan.Count - pending.Count, tracker.Done, tracker.Failed, abandoned)
        {
            FailedAttempts = store.FailedAttempts(invocation),
        };
    }

    private static async Task SampleAsync(RunStore store, Microsoft.Extensions.AI.IChatClient client, RolloutRequest request,
        string invocation, Tracker tracker, CancellationToken ct)
    {
        long attempt = store.BeginRequest(request.RequestKey, request.TrajectoryId, invocation);
        tracker.Started();
        var clock = Stopwatch.StartNew();
        try
        {
            var response = await client.GetResponseAsync(request.Messages, request.ChatOptions(), ct);
            store.CompleteRequest(attempt, request.ToTrajectory(response, clock.Elapsed), EndpointMetadata.RetriedOf(response));
            tracker.Finished(failed: false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            store.FailRequest(attempt, new RequestFailure(FaultCauses.Cancelled, null, "cancelled"));
            tracker.Finished(failed: true);
            throw;
        }
        catch (EndpointException e)
        {
            // A failed sample is retried by the next run; endpoint messages are redacted and name no header or key.
            store.FailRequest(attempt, new RequestFailure(e.Cause, e.StatusCode, e.Message), e.Retried);
            tracker.Finished(failed: true);
        }
        catch (Exception e) when (e is not RunStoreException && (e is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            store.FailRequest(attempt, new RequestFailure(FaultCauses.Error, null, $"{e.GetType().Name}: {e.Message}"));
            tracker.Finished(failed: true);
        }
    }

    /// <summary>Counts shared by the concurrent samplers (Interlocked; no locks on the hot path).</summary>
    private sealed class Tracker(int total, int alreadyStored, IProgress<RolloutProgress>? progress)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _done, _inFlight, _failed;

        public int Done => _done;
        public int Failed => _failed;

        public void Started()
        {
            Interlocked.Increment(ref _inFlight);
            Report();
        }

        public void Finished(bool failed)
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref failed ? ref _failed : ref _done);
            Report();
        }

        public void Report()
        {
            if (progress is null) return;
            int done = _done, failed = _failed, remaining = total - alreadyStored - done - failed;
            TimeSpan? eta = done + failed == 0 ? null : _clock.Elapsed / (done + failed) * remaining;
            progress.Report(new RolloutProgress(total, alreadyStored, done, _inFlight, failed, eta));
        }
    }
}
