using System.Diagnostics;
using Ded.Data;
using Ded.Runs;
using Ded.Teachers;
using Ded.Teachers.Endpoints;

namespace Ded.Rollouts;

/// <summary>Where a rollout stands, for progress displays. <see cref="AlreadyStored"/> grows as the plan is read.</summary>
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
/// Draws M samples per question per teacher. The plan is a stream (question by question, each question's stored
/// request keys looked up as it comes), so sending starts at once and memory does not grow with questions × M.
/// Each response is handed to the run's one writer and committed with its request's done mark in the same batch;
/// a sampler sends its next request only once that batch is committed, so a kill leaves at most max_concurrency
/// requests in flight, and a rerun sends only the samples the store lacks.
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

    /// <summary>Every sample the recipe asks for, in question, teacher, sample order, made as it is read.</summary>
    public static IEnumerable<RolloutRequest> Plan(IReadOnlyList<Question> questions, IReadOnlyList<TeacherSpec> teachers, SamplingSettings sampling) =>
        questions.SelectMany(q => PlanOf(QuestionKeyText.Of(q), teachers, sampling));

    /// <summary>How many samples <see cref="Plan"/> holds.</summary>
    /// <exception cref="InvalidOperationException">More than a run can count (2³¹ − 1).</exception>
    public static int PlanSize(int questions, int teachers, SamplingSettings sampling)
    {
        long size = (long)questions * teachers * sampling.SamplesPerQuestion;
        return size <= int.MaxValue ? (int)size
            : throw new InvalidOperationException($"the plan has {size:N0} samples ({questions:N0} questions × {teachers} teachers × M = {sampling.SamplesPerQuestion}); split the questions into runs of fewer");
    }

    private static IEnumerable<RolloutRequest> PlanOf(QuestionKeyText question, IReadOnlyList<TeacherSpec> teachers, SamplingSettings sampling) =>
        from t in teachers
        from i in Enumerable.Range(0, sampling.SamplesPerQuestion)
        select RolloutRequest.Create(question, t, i, sampling);

    private static async Task<RolloutSummary> RunCoreAsync(RunStore store, IReadOnlyList<Question> questions,
        IReadOnlyList<TeacherClient> teachers, RolloutOptions options, IProgress<RolloutProgress>? progress, CancellationToken ct)
    {
        var invocation = Guid.NewGuid().ToString("N");
        int abandoned = store.AbandonUnfinishedRequests(invocation);
        var clients = teachers.ToDictionary(t => t.Spec.Name, t => t.Client);
        var tracker = new Tracker(PlanSize(questions.Count, teachers.Count, options.Sampling), progress);
        tracker.Report();

        await using (var writer = store.Writer())
        {
            await Parallel.ForEachAsync(Pending(store, questions, teachers.Select(t => t.Spec).ToList(), options.Sampling, tracker),
                new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = ct },
                async (request, token) => await SampleAsync(writer, clients[request.Teacher.Name], request, invocation, tracker, token));
            await writer.FlushAsync();
        }
        tracker.Report();

        store.SaveMetrics("rollout", new Dictionary<string, double>
        {
            ["planned"] = tracker.Total, ["stored"] = store.TrajectoryCount(), ["failed_last_invocation"] = tracker.Failed,
        });
        return new RolloutSummary(tracker.Total, tracker.AlreadyStored, tracker.Done, tracker.Failed, abandoned)
        {
            FailedAttempts = store.FailedAttempts(invocation),
        };
    }

    /// <summary>The plan without the samples the store has: one keyed look-up per question, none on a fresh run.</summary>
    private static IEnumerable<RolloutRequest> Pending(RunStore store, IReadOnlyList<Question> questions, IReadOnlyList<TeacherSpec> teachers,
        SamplingSettings sampling, Tracker tracker)
    {
        bool fresh = store.TrajectoryCount() == 0;
        foreach (var question in questions)
        {
            var stored = fresh ? null : store.StoredRequestKeys(question.Id);
            foreach (var request in PlanOf(QuestionKeyText.Of(question), teachers, sampling))
                if (stored?.Contains(request.RequestKey) == true) tracker.Stored();
                else yield return request;
        }
    }

    private static async Task SampleAsync(StoreWriter writer, Microsoft.Extensions.AI.IChatClient client, RolloutRequest request,
        string invocation, Tracker tracker, CancellationToken ct)
    {
        // Committed before sending: every attempt is on record. Its batch also commits this sampler's previous response.
        long attempt = await writer.BeginRequestAsync(request.RequestKey, request.TrajectoryId, invocation);
        tracker.Started();
        var clock = Stopwatch.StartNew();
        try
        {
            var response = await client.GetResponseAsync(request.Messages, request.ChatOptions(), ct);
            // A failed batch fails this sampler's next call (or the stage's flush).
            _ = writer.CompleteRequestAsync(attempt, request.ToTrajectory(response, clock.Elapsed), EndpointMetadata.RetriedOf(response));
            tracker.Finished(failed: false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _ = writer.FailRequestAsync(attempt, new RequestFailure(FaultCauses.Cancelled, null, "cancelled"));
            tracker.Finished(failed: true);
            throw;
        }
        catch (EndpointException e)
        {
            // A failed sample is retried by the next run; endpoint messages are redacted and name no header or key.
            _ = writer.FailRequestAsync(attempt, new RequestFailure(e.Cause, e.StatusCode, e.Message), e.Retried);
            tracker.Finished(failed: true);
        }
        catch (Exception e) when (e is not RunStoreException && (e is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            _ = writer.FailRequestAsync(attempt, new RequestFailure(FaultCauses.Error, null, $"{e.GetType().Name}: {e.Message}"));
            tracker.Finished(failed: true);
        }
    }

    /// <summary>Counts shared by the concurrent samplers (Interlocked; no locks on the hot path).</summary>
    private sealed class Tracker(int total, IProgress<RolloutProgress>? progress)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _stored, _done, _inFlight, _failed;

        public int Total => total;
        public int AlreadyStored => _stored;
        public int Done => _done;
        public int Failed => _failed;

        public void Stored() => Interlocked.Increment(ref _stored);

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
            int done = _done, failed = _failed, stored = _stored, remaining = total - stored - done - failed;
            TimeSpan? eta = done + failed == 0 ? null : _clock.Elapsed / (done + failed) * remaining;
            progress.Report(new RolloutProgress(total, stored, done, _inFlight, failed, eta));
        }
    }
}
