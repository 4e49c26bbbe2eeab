using System.Threading.Channels;
using Ded.Filtering;
using Ded.Rollouts;
using Ded.Selection;
using Ded.Verification;
using Microsoft.Data.Sqlite;

namespace Ded.Runs;

/// <summary>
/// The store's one writer while a stage runs: stages and rollout tasks hand it records, and one task writes them in
/// batches, each batch one transaction (whole or not at all). A request's methods return when its records are
/// committed, so a caller that waits knows they survive a kill; one that does not wait learns of a failure from its
/// next call or from <see cref="FlushAsync"/>. A stage's page methods return once the page before is committed: one
/// page is written while the stage works on the next, and no more than one waits. After a failed batch nothing more
/// is written: every later call fails with the same error, so a stage never continues past records that were lost.
/// </summary>
public sealed class StoreWriter : IAsyncDisposable
{
    private const int RowsPerBatch = 4096; // a page of a stage, or a few hundred rollout records: one commit each

    private readonly RunStore _store;
    private readonly Channel<Op> _queue = Channel.CreateUnbounded<Op>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private Exception? _fault;
    private Task _pageBefore = Task.CompletedTask; // pages come from one stage loop, one at a time

    internal StoreWriter(RunStore store)
    {
        _store = store;
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Records that a request is about to be sent; returns its attempt number once that is committed.</summary>
    public async Task<long> BeginRequestAsync(string requestKey, string trajectoryId, string invocation) =>
        (long)(await Post(1, tx => _store.InsertRequest(tx, requestKey, trajectoryId, invocation)))!;

    /// <summary>Stores a response with its request's done mark (one batch holds both).</summary>
    public Task CompleteRequestAsync(long attempt, Trajectory t, IReadOnlyList<Teachers.Endpoints.AttemptFault>? retried = null) =>
        Post(1, tx => _store.InsertTrajectory(tx, attempt, t, retried));

    /// <summary>Closes a request that failed for good (<see cref="RunStore.FailRequest"/>).</summary>
    public Task FailRequestAsync(long attempt, RequestFailure failure, IReadOnlyList<Teachers.Endpoints.AttemptFault>? retried = null) =>
        Post(1, tx => _store.MarkFailed(tx, attempt, failure, retried));

    public Task SaveVerdictsAsync(IReadOnlyList<Verdict> verdicts) => HandOverPageAsync(verdicts.Count, tx =>
    {
        foreach (var v in verdicts) _store.ReplaceVerdict(tx, v);
    });

    /// <summary>Replaces the filter decisions of every trajectory of <paramref name="page"/> with these.</summary>
    public Task ReplaceFilterDecisionsAsync(QuestionPage page, IReadOnlyList<FilterDecision> decisions) => HandOverPageAsync(decisions.Count, tx =>
    {
        _store.DeleteFilterDecisions(tx, page);
        _store.InsertFilterDecisions(tx, decisions);
    });

    /// <summary>Replaces one strategy's selections on every question of <paramref name="page"/> with these.</summary>
    public Task ReplaceSelectionsAsync(QuestionPage page, string strategy, IReadOnlyList<SelectionDecision> decisions) => HandOverPageAsync(decisions.Count, tx =>
    {
        _store.DeleteSelections(tx, page, strategy);
        _store.InsertSelections(tx, decisions);
    });

    public Task SaveCompressionAsync(IReadOnlyList<CompressionDecision> decisions) => HandOverPageAsync(decisions.Count, tx =>
    {
        foreach (var d in decisions) _store.ReplaceCompression(tx, d);
    });

    /// <summary>Returns when everything handed over so far is committed; throws what stopped the writer, if anything did.</summary>
    public Task FlushAsync() => Post(0, _ => { });

    /// <summary>Commits what is queued and stops. Never throws: a failure has reached the callers (or <see cref="FlushAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task HandOverPageAsync(int rows, Action<SqliteTransaction> write)
    {
        await _pageBefore;
        _pageBefore = Post(rows, write);
    }

    private Task<object?> Post(int rows, Action<SqliteTransaction> write) => Post(rows, tx => { write(tx); return null; });

    private Task<object?> Post(int rows, Func<SqliteTransaction, object?> write)
    {
        var op = new Op(write, rows);
        if (_fault is { } fault) return Task.FromException<object?>(fault);
        if (!_queue.Writer.TryWrite(op)) return Task.FromException<object?>(_fault ?? new ObjectDisposedException(nameof(StoreWriter)));
        return op.Committed.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Op>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            for (int rows = 0; rows < RowsPerBatch && _queue.Reader.TryRead(out var op); rows += Math.Max(1, op.Rows))
                batch.Add(op);
            try
            {
                var results = _store.WriteBatch(batch.Select(o => o.Write).ToList());
                for (int i = 0; i < batch.Count; i++) batch[i].Committed.SetResult(results[i]);
            }
            catch (Exception e)
            {
                _fault = e;
                _queue.Writer.TryComplete();
                foreach (var op in batch) op.Committed.SetException(e);
                while (_queue.Reader.TryRead(out var rest)) rest.Committed.SetException(e);
                return;
            }
        }
    }

    private sealed record Op(Func<SqliteTransaction, object?> Write, int Rows)
    {
        // Continuations run on the caller's side, never on the writer's task (it would stall every other record).
        public TaskCompletionSource<object?> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
