using Ded.Filtering;
using Ded.Rollouts;
using Ded.Selection;
using Ded.Verification;
using Ded.Teachers.Endpoints;
using Microsoft.Data.Sqlite;

namespace Ded.Runs;

/// <summary>How many teacher requests a run has sent, by outcome (the resume test's ledger).</summary>
public sealed record RequestLedger(int Done, int Failed, int Abandoned, int InFlight, int DistinctDoneKeys);

/// <summary>Why a request failed for good: a <see cref="FaultCauses"/> word, the HTTP status if any, the (redacted) error.</summary>
public sealed record RequestFailure(string Cause, int? StatusCode, string Error);

/// <summary>Failed attempts of one outcome (<c>retried</c> or <c>failed</c>), cause and status, with the latest error.</summary>
public sealed record AttemptCount(string Outcome, string Cause, int? StatusCode, int Count, string Example)
{
    /// <summary>What the user should do (<see cref="FaultCauses.Advice"/>).</summary>
    public string Advice => FaultCauses.Advice(Cause);

    /// <summary>"4 x unauthorized (HTTP 401)" (ASCII: it reaches terminals of any locale).</summary>
    public string Label => $"{Count} x {Cause}" + (StatusCode is { } s ? $" (HTTP {s})" : "");
}

public sealed partial class RunStore
{
    // ---- requests and trajectories -----------------------------------------------------------------------------

    /// <summary>The request keys that already have a stored trajectory (the rollout stage skips these).</summary>
    public HashSet<string> StoredRequestKeys() =>
        Query("SELECT request_key FROM trajectories", r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Marks requests a killed earlier process left in flight as abandoned: their responses were never received,
    /// so they are sent again (no response is ever paid for twice).
    /// </summary>
    public int AbandonUnfinishedRequests(string invocation)
    {
        lock (_gate)
            return Exec(null, "UPDATE requests SET status = 'abandoned' WHERE status = 'sent' AND invocation <> $inv", ("$inv", invocation));
    }

    /// <summary>Records that a request is about to be sent; returns its attempt number.</summary>
    public long BeginRequest(string requestKey, string trajectoryId, string invocation)
    {
        lock (_gate)
        {
            using var cmd = Command(null, """
                INSERT INTO requests(request_key, trajectory_id, invocation, sent_at, status)
                VALUES($key, $tid, $inv, $at, 'sent') RETURNING attempt
                """, ("$key", requestKey), ("$tid", trajectoryId), ("$inv", invocation), ("$at", Now()));
            return Storing(() => (long)cmd.ExecuteScalar()!);
        }
    }

    /// <summary>
    /// Stores a response and closes its request in one transaction; <paramref name="retried"/> (the attempts that
    /// failed before it, oldest first) become rows of their own before the answered one, so attempts stay in time order.
    /// </summary>
    public void CompleteRequest(long attempt, Trajectory t, IReadOnlyList<AttemptFault>? retried = null)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            InsertTrajectory(tx, t);
            var last = RecordRetried(tx, attempt, retried);
            Exec(tx, "UPDATE requests SET status = 'done', finished_at = $at WHERE attempt = $a", ("$at", Now()), ("$a", last));
            Commit(tx);
        }
    }

    /// <summary>Adds a trajectory unless its id or request key is stored already; 1 when it was added.</summary>
    private int InsertTrajectory(SqliteTransaction tx, Trajectory t) => Exec(tx, """
        INSERT OR IGNORE INTO trajectories(id, request_key, question_id, teacher, model, sample_index, seed, sampling,
            sampling_hash, raw_response, reasoning, final_answer_text, finish_reason, input_tokens, output_tokens, latency_ms, created_at)
        VALUES($id, $key, $q, $teacher, $model, $idx, $seed, $sampling, $hash, $raw, $reasoning, $answer, $finish, $in, $out, $lat, $at)
        """, ("$id", t.Id), ("$key", t.RequestKey), ("$q", t.QuestionId), ("$teacher", t.Teacher), ("$model", t.Model),
        ("$idx", t.SampleIndex), ("$seed", t.Seed), ("$sampling", RunJson.Write(t.Sampling)), ("$hash", t.Sampling.Hash()),
        ("$raw", t.RawResponse), ("$reasoning", t.Reasoning), ("$answer", t.FinalAnswerText), ("$finish", t.FinishReason),
        ("$in", t.InputTokens), ("$out", t.OutputTokens), ("$lat", t.Latency.TotalMilliseconds), ("$at", Now()));

    /// <summary>
    /// Closes a request that failed for good, with why (its cause, HTTP status and error) and the attempts retried
    /// before. The error must already be redacted (endpoint clients redact before anything is cut); it is kept to
    /// <see cref="MaxErrorLength"/> characters.
    /// </summary>
    public void FailRequest(long attempt, RequestFailure failure, IReadOnlyList<AttemptFault>? retried = null)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            var last = RecordRetried(tx, attempt, retried);
            Exec(tx, "UPDATE requests SET status = 'failed', finished_at = $at, cause = $c, status_code = $s, error = $e WHERE attempt = $a",
                ("$at", Now()), ("$c", failure.Cause), ("$s", failure.StatusCode), ("$e", Clip(failure.Error)), ("$a", last));
            Commit(tx);
        }
    }

    /// <summary>Longest error text kept per attempt.</summary>
    public const int MaxErrorLength = 2000;

    private static string Clip(string error) => error.Length <= MaxErrorLength ? error : error[..MaxErrorLength] + "…";

    /// <summary>
    /// Turns the begun row into the first retried attempt and adds one row per later attempt; returns the row of the
    /// last attempt (the begun one when nothing was retried). A retry's sent_at is when the attempt before it failed.
    /// </summary>
    private long RecordRetried(SqliteTransaction tx, long attempt, IReadOnlyList<AttemptFault>? retried)
    {
        if (retried is not { Count: > 0 }) return attempt;
        Exec(tx, "UPDATE requests SET status = 'retried', sent_at = $s, finished_at = $f, cause = $c, status_code = $code, error = $e WHERE attempt = $a",
            RetriedArgs(retried[0], attempt));
        foreach (var fault in retried.Skip(1))
            Exec(tx, """
                INSERT INTO requests(request_key, trajectory_id, invocation, sent_at, status, finished_at, cause, status_code, error)
                SELECT request_key, trajectory_id, invocation, $s, 'retried', $f, $c, $code, $e FROM requests WHERE attempt = $a
                """, RetriedArgs(fault, attempt));
        using var cmd = Command(tx, """
            INSERT INTO requests(request_key, trajectory_id, invocation, sent_at, status)
            SELECT request_key, trajectory_id, invocation, $s, 'sent' FROM requests WHERE attempt = $a RETURNING attempt
            """, ("$s", retried[^1].FinishedAt.ToString("O")), ("$a", attempt));
        return Storing(() => (long)cmd.ExecuteScalar()!);
    }

    private static (string, object?)[] RetriedArgs(AttemptFault f, long attempt) =>
    [
        ("$s", f.StartedAt.ToString("O")), ("$f", f.FinishedAt.ToString("O")), ("$c", f.Cause), ("$code", f.StatusCode),
        ("$e", Clip(f.Error)), ("$a", attempt),
    ];

    /// <summary>
    /// The attempts that failed, by outcome (<c>retried</c>: a later attempt followed; <c>failed</c>: the request's
    /// last), cause and HTTP status, with the latest error of each; of one invocation, or of the whole run when null.
    /// </summary>
    public IReadOnlyList<AttemptCount> FailedAttempts(string? invocation = null) => Query("""
        SELECT status, coalesce(cause, 'error'), status_code, count(*), error, max(attempt) FROM requests
        WHERE status IN ('retried', 'failed') AND ($inv IS NULL OR invocation = $inv)
        GROUP BY status, coalesce(cause, 'error'), status_code ORDER BY status, count(*) DESC, 2
        """, r => new AttemptCount(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetInt32(3),
            r.IsDBNull(4) ? "" : r.GetString(4)), ("$inv", invocation));

    public RequestLedger Requests() => Query("""
        SELECT (SELECT count(*) FROM requests WHERE status = 'done'),
               (SELECT count(*) FROM requests WHERE status = 'failed'),
               (SELECT count(*) FROM requests WHERE status = 'abandoned'),
               (SELECT count(*) FROM requests WHERE status = 'sent'),
               (SELECT count(DISTINCT request_key) FROM requests WHERE status = 'done')
        """, r => new RequestLedger(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4)))[0];

    public IReadOnlyList<Trajectory> Trajectories() =>
        Query("SELECT * FROM trajectories ORDER BY question_id, id", ReadTrajectory);

    public IReadOnlyList<Trajectory> TrajectoriesOf(string questionId) =>
        Query("SELECT * FROM trajectories WHERE question_id = $q ORDER BY id", ReadTrajectory, ("$q", questionId));

    public Trajectory? Trajectory(string id) =>
        Query("SELECT * FROM trajectories WHERE id = $id", ReadTrajectory, ("$id", id)).FirstOrDefault();

    private static Trajectory ReadTrajectory(SqliteDataReader r) => new()
    {
        Id = r.GetString(r.GetOrdinal("id")),
        RequestKey = r.GetString(r.GetOrdinal("request_key")),
        QuestionId = r.GetString(r.GetOrdinal("question_id")),
        Teacher = r.GetString(r.GetOrdinal("teacher")),
        Model = r.GetString(r.GetOrdinal("model")),
        SampleIndex = r.GetInt32(r.GetOrdinal("sample_index")),
        Seed = r.GetInt64(r.GetOrdinal("seed")),
        Sampling = RunJson.Read<SamplingSettings>(r.GetString(r.GetOrdinal("sampling"))),
        RawResponse = r.GetString(r.GetOrdinal("raw_response")),
        Reasoning = r.GetString(r.GetOrdinal("reasoning")),
        FinalAnswerText = r.GetString(r.GetOrdinal("final_answer_text")),
        FinishReason = r.GetString(r.GetOrdinal("finish_reason")),
        InputTokens = r.IsDBNull(r.GetOrdinal("input_tokens")) ? null : r.GetInt64(r.GetOrdinal("input_tokens")),
        OutputTokens = r.IsDBNull(r.GetOrdinal("output_tokens")) ? null : r.GetInt64(r.GetOrdinal("output_tokens")),
        Latency = TimeSpan.FromMilliseconds(r.GetDouble(r.GetOrdinal("latency_ms"))),
    };

    // ---- verdicts, filters, compression, selections -------------------------------------------------------------

    public void SaveVerdict(Verdict v)
    {
        lock (_gate)
            Exec(null, "INSERT OR REPLACE INTO verdicts(trajectory_id, verifier, kind, reason) VALUES($t, $v, $k, $r)",
                ("$t", v.TrajectoryId), ("$v", v.Verifier), ("$k", Snake(v.Kind)), ("$r", v.Reason));
    }

    public IReadOnlyList<Verdict> VerdictsOf(string trajectoryId) =>
        Query("SELECT * FROM verdicts WHERE trajectory_id = $t ORDER BY verifier", ReadVerdict, ("$t", trajectoryId));

    public IReadOnlyList<Verdict> Verdicts() => Query("SELECT * FROM verdicts ORDER BY trajectory_id, verifier", ReadVerdict);

    private static Verdict ReadVerdict(SqliteDataReader r) => new()
    {
        TrajectoryId = r.GetString(0),
        Verifier = r.GetString(1),
        Kind = Enum.Parse<VerdictKind>(r.GetString(2).Replace("_", ""), ignoreCase: true),
        Reason = r.GetString(3),
    };

    /// <summary>Replaces a trajectory's filter decisions with these, in one transaction.</summary>
    public void SaveFilterDecisions(string trajectoryId, IReadOnlyList<FilterDecision> decisions)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            Exec(tx, "DELETE FROM filter_decisions WHERE trajectory_id = $t", ("$t", trajectoryId));
            foreach (var d in decisions)
                Exec(tx, "INSERT INTO filter_decisions(trajectory_id, filter, passed, reason) VALUES($t, $f, $p, $r)",
                    ("$t", d.TrajectoryId), ("$f", d.Filter), ("$p", d.Passed ? 1 : 0), ("$r", d.Reason));
            Commit(tx);
        }
    }

    public IReadOnlyList<FilterDecision> FilterDecisionsOf(string trajectoryId) => Query(
        "SELECT * FROM filter_decisions WHERE trajectory_id = $t ORDER BY rowid", ReadFilterDecision, ("$t", trajectoryId));

    public IReadOnlyList<FilterDecision> FilterDecisions() =>
        Query("SELECT * FROM filter_decisions ORDER BY trajectory_id, rowid", ReadFilterDecision);

    private static FilterDecision ReadFilterDecision(SqliteDataReader r) => new()
    {
        TrajectoryId = r.GetString(0), Filter = r.GetString(1), Passed = r.GetInt32(2) == 1, Reason = r.GetString(3),
    };

    /// <summary>Ids of trajectories that have filter decisions and passed all of them.</summary>
    public HashSet<string> PassedAllFilters() => Query("""
        SELECT trajectory_id FROM filter_decisions GROUP BY trajectory_id HAVING min(passed) = 1
        """, r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);

    public void SaveCompression(CompressionDecision d)
    {
        lock (_gate)
            Exec(null, """
                INSERT OR REPLACE INTO compression(question_id, pass_rate, k, threshold, kept, reason)
                VALUES($q, $p, $k, $t, $kept, $r)
                """, ("$q", d.QuestionId), ("$p", d.PassRate), ("$k", d.K), ("$t", d.Threshold), ("$kept", d.IsKept ? 1 : 0), ("$r", d.Reason));
    }

    public CompressionDecision? CompressionOf(string questionId) => Query(
        "SELECT * FROM compression WHERE question_id = $q", ReadCompression, ("$q", questionId)).FirstOrDefault();

    public IReadOnlyList<CompressionDecision> CompressionDecisions() => Query("SELECT * FROM compression ORDER BY question_id", ReadCompression);

    private static CompressionDecision ReadCompression(SqliteDataReader r) => new()
    {
        QuestionId = r.GetString(0), PassRate = r.GetDouble(1), K = r.GetInt32(2), Threshold = r.GetDouble(3),
        IsKept = r.GetInt32(4) == 1, Reason = r.GetString(5),
    };

    /// <summary>Replaces one question's selections for one strategy, in one transaction.</summary>
    public void SaveSelections(string questionId, string strategy, IReadOnlyList<SelectionDecision> decisions)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            Exec(tx, "DELETE FROM selections WHERE question_id = $q AND strategy = $s", ("$q", questionId), ("$s", strategy));
            foreach (var d in decisions)
                Exec(tx, """
                    INSERT INTO selections(trajectory_id, strategy, question_id, selected, reason, rank, min_distance)
                    VALUES($t, $s, $q, $sel, $r, $rank, $d)
                    """, ("$t", d.TrajectoryId), ("$s", d.Strategy), ("$q", d.QuestionId), ("$sel", d.IsSelected ? 1 : 0),
                    ("$r", d.Reason), ("$rank", d.Rank), ("$d", d.MinDistance));
            Commit(tx);
        }
    }

    public IReadOnlyList<SelectionDecision> SelectionsOf(string trajectoryId) => Query(
        "SELECT * FROM selections WHERE trajectory_id = $t ORDER BY strategy", ReadSelection, ("$t", trajectoryId));

    public IReadOnlyList<SelectionDecision> Selections(string strategy) => Query(
        "SELECT * FROM selections WHERE strategy = $s ORDER BY question_id, rank, trajectory_id", ReadSelection, ("$s", strategy));

    private static SelectionDecision ReadSelection(SqliteDataReader r) => new()
    {
        TrajectoryId = r.GetString(0), Strategy = r.GetString(1), QuestionId = r.GetString(2), IsSelected = r.GetInt32(3) == 1,
        Reason = r.GetString(4), Rank = r.IsDBNull(5) ? null : r.GetInt32(5), MinDistance = r.IsDBNull(6) ? null : r.GetInt32(6),
    };

    // ---- metrics and files --------------------------------------------------------------------------------------

    public void SaveMetrics(string stage, IReadOnlyDictionary<string, double> metrics)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            foreach (var (name, value) in metrics)
                Exec(tx, "INSERT OR REPLACE INTO metrics(stage, name, value, recorded_at) VALUES($s, $n, $v, $at)",
                    ("$s", stage), ("$n", name), ("$v", value), ("$at", Now()));
            Commit(tx);
        }
    }

    public IReadOnlyDictionary<string, double> Metrics(string stage) =>
        Query("SELECT name, value FROM metrics WHERE stage = $s", r => (r.GetString(0), r.GetDouble(1)), ("$s", stage))
            .ToDictionary(x => x.Item1, x => x.Item2);

    /// <summary>Writes a file in the run folder via a temporary file and a rename, so a kill never leaves half a file.</summary>
    /// <exception cref="RunStoreException">The disk is full or the folder cannot be written (the temporary file is removed).</exception>
    public string WriteFileAtomically(string relativePath, string text)
    {
        var path = Path.Combine(Folder, relativePath);
        AtomicFile.Write(path, text);
        return path;
    }

    /// <inheritdoc cref="WriteFileAtomically(string, string)"/>
    public async Task<string> WriteFileAtomicallyAsync(string relativePath, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder, relativePath);
        await AtomicFile.WriteAsync(path, write, cancellationToken);
        return path;
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O");

    public static string Snake<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
