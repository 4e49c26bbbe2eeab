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

/// <summary>How many of one teacher's responses carry anything that starts like a think tag.</summary>
public sealed record TeacherReasoning(string Teacher, int Responses, int WithThinkTags);

/// <summary>
/// The records: each has one statement that writes it within a transaction (<c>Insert…</c>, <c>Replace…</c>, used by
/// the batch writer and by the one-record methods) and keyed reads.
/// </summary>
public sealed partial class RunStore
{
    // ---- requests and trajectories -----------------------------------------------------------------------------

    /// <summary>The request keys of one question's stored trajectories (the rollout skips these).</summary>
    public HashSet<string> StoredRequestKeys(string questionId) =>
        Query("SELECT request_key FROM trajectories WHERE question_id = $q", r => r.GetString(0), ("$q", questionId))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Marks requests a killed earlier process left in flight as abandoned: their responses were never received,
    /// so they are sent again (no response is ever paid for twice).
    /// </summary>
    public int AbandonUnfinishedRequests(string invocation) => Write(tx =>
        Exec(tx, "UPDATE requests SET status = 'abandoned' WHERE status = 'sent' AND invocation <> $inv", ("$inv", invocation)));

    /// <summary>Records that a request is about to be sent; returns its attempt number.</summary>
    public long BeginRequest(string requestKey, string trajectoryId, string invocation) =>
        Write(tx => InsertRequest(tx, requestKey, trajectoryId, invocation));

    /// <summary>
    /// Stores a response and closes its request in one transaction; <paramref name="retried"/> (the attempts that
    /// failed before it, oldest first) become rows of their own before the answered one, so attempts stay in time order.
    /// </summary>
    public void CompleteRequest(long attempt, Trajectory t, IReadOnlyList<AttemptFault>? retried = null) =>
        Write(tx => InsertTrajectory(tx, attempt, t, retried));

    /// <summary>
    /// Closes a request that failed for good, with why (its cause, HTTP status and error) and the attempts retried
    /// before. The error must already be redacted (endpoint clients redact before anything is cut); it is kept to
    /// <see cref="MaxErrorLength"/> characters.
    /// </summary>
    public void FailRequest(long attempt, RequestFailure failure, IReadOnlyList<AttemptFault>? retried = null) =>
        Write(tx => MarkFailed(tx, attempt, failure, retried));

    internal long InsertRequest(SqliteTransaction tx, string requestKey, string trajectoryId, string invocation) =>
        (long)_writes.Scalar(tx, """
            INSERT INTO requests(request_key, trajectory_id, invocation, sent_at, status)
            VALUES($key, $tid, $inv, $at, 'sent') RETURNING attempt
            """, [("$key", requestKey), ("$tid", trajectoryId), ("$inv", invocation), ("$at", Now())])!;

    /// <summary>The response and its request's done mark, in the caller's transaction: both or neither survive a kill.</summary>
    internal void InsertTrajectory(SqliteTransaction tx, long attempt, Trajectory t, IReadOnlyList<AttemptFault>? retried)
    {
        InsertTrajectory(tx, t);
        var last = RecordRetried(tx, attempt, retried);
        Exec(tx, "UPDATE requests SET status = 'done', finished_at = $at WHERE attempt = $a", ("$at", Now()), ("$a", last));
    }

    /// <summary>Adds a trajectory unless its id or request key is stored already; 1 when it was added (recorded ones have no request).</summary>
    private int InsertTrajectory(SqliteTransaction tx, Trajectory t)
    {
        var (samplingJson, samplingHash) = SamplingColumns(t.Sampling);
        return Exec(tx, """
            INSERT OR IGNORE INTO trajectories(id, request_key, question_id, teacher, model, sample_index, seed, sampling,
                sampling_hash, raw_response, reasoning, final_answer_text, finish_reason, input_tokens, output_tokens, latency_ms, created_at)
            VALUES($id, $key, $q, $teacher, $model, $idx, $seed, $sampling, $hash, $raw, $reasoning, $answer, $finish, $in, $out, $lat, $at)
            """, ("$id", t.Id), ("$key", t.RequestKey), ("$q", t.QuestionId), ("$teacher", t.Teacher), ("$model", t.Model),
            ("$idx", t.SampleIndex), ("$seed", t.Seed), ("$sampling", samplingJson), ("$hash", samplingHash),
            ("$raw", t.RawResponse), ("$reasoning", t.Reasoning), ("$answer", t.FinalAnswerText), ("$finish", t.FinishReason),
            ("$in", t.InputTokens), ("$out", t.OutputTokens), ("$lat", t.Latency.TotalMilliseconds), ("$at", Now()));
    }

    internal void MarkFailed(SqliteTransaction tx, long attempt, RequestFailure failure, IReadOnlyList<AttemptFault>? retried)
    {
        var last = RecordRetried(tx, attempt, retried);
        Exec(tx, "UPDATE requests SET status = 'failed', finished_at = $at, cause = $c, status_code = $s, error = $e WHERE attempt = $a",
            ("$at", Now()), ("$c", failure.Cause), ("$s", failure.StatusCode), ("$e", Clip(failure.Error)), ("$a", last));
    }

    // A run samples with one settings record: its JSON and hash are made once, not once per row.
    private (SamplingSettings Settings, string Json, string Hash)? _lastSampling;

    private (string Json, string Hash) SamplingColumns(SamplingSettings s)
    {
        if (_lastSampling is not { } last || !ReferenceEquals(last.Settings, s))
            _lastSampling = last = (s, RunJson.Write(s), s.Hash());
        return (last.Json, last.Hash);
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
        return (long)_writes.Scalar(tx, """
            INSERT INTO requests(request_key, trajectory_id, invocation, sent_at, status)
            SELECT request_key, trajectory_id, invocation, $s, 'sent' FROM requests WHERE attempt = $a RETURNING attempt
            """, [("$s", retried[^1].FinishedAt.ToString("O")), ("$a", attempt)])!;
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

    public int TrajectoryCount() => Query("SELECT count(*) FROM trajectories", r => r.GetInt32(0))[0];

    /// <summary>Every trajectory (small runs and tests; stages read <see cref="QuestionPages"/>).</summary>
    public IReadOnlyList<Trajectory> Trajectories() =>
        Query($"SELECT {TrajectoryColumns} FROM trajectories ORDER BY question_id, id", ReadTrajectory);

    public IReadOnlyList<Trajectory> TrajectoriesOf(string questionId) =>
        Query($"SELECT {TrajectoryColumns} FROM trajectories WHERE question_id = $q ORDER BY id", ReadTrajectory, ("$q", questionId));

    public Trajectory? Trajectory(string id) =>
        Query($"SELECT {TrajectoryColumns} FROM trajectories WHERE id = $id", ReadTrajectory, ("$id", id)).FirstOrDefault();

    /// <summary>Every response's trajectory id, teacher and length (UTF-16 code units, as the filters count), streamed in
    /// storage order (concurrent rollouts store in the order they finish).</summary>
    public void EachResponseLength(Action<string, string, int> each)
    {
        // One statement over the table, each row measured as it is read: nothing of the run is held.
        lock (_readGate)
            _reads.Each("SELECT id, teacher, utf16_length(raw_response) FROM trajectories", r => each(r.GetString(0), r.GetString(1), r.GetInt32(2)));
    }

    /// <summary>Per teacher, how many responses carry think tags (<see cref="ThinkBlock.HasThinkTags"/>, counted by the database).</summary>
    public IReadOnlyList<TeacherReasoning> ReasoningByTeacher() => Query("""
        SELECT teacher, count(*), sum(instr(raw_response, '<think') > 0 OR instr(raw_response, '</think') > 0)
        FROM trajectories GROUP BY teacher ORDER BY teacher
        """, r => new TeacherReasoning(r.GetString(0), r.GetInt32(1), r.GetInt32(2)));

    private const string TrajectoryColumns = "id, request_key, question_id, teacher, model, sample_index, seed, sampling, raw_response, " +
                                             "reasoning, final_answer_text, finish_reason, input_tokens, output_tokens, latency_ms";

    // Read under the read gate only; the settings JSON of consecutive rows is nearly always the same text.
    private (string Json, SamplingSettings Settings)? _lastSamplingRead;

    private Trajectory ReadTrajectory(SqliteDataReader r)
    {
        var json = r.GetString(7);
        if (_lastSamplingRead is not { } last || last.Json != json)
            _lastSamplingRead = last = (json, RunJson.Read<SamplingSettings>(json));
        return new Trajectory
        {
            Id = r.GetString(0), RequestKey = r.GetString(1), QuestionId = r.GetString(2), Teacher = r.GetString(3), Model = r.GetString(4),
            SampleIndex = r.GetInt32(5), Seed = r.GetInt64(6), Sampling = last.Settings, RawResponse = r.GetString(8),
            Reasoning = r.GetString(9), FinalAnswerText = r.GetString(10), FinishReason = r.GetString(11),
            InputTokens = r.IsDBNull(12) ? null : r.GetInt64(12), OutputTokens = r.IsDBNull(13) ? null : r.GetInt64(13),
            Latency = TimeSpan.FromMilliseconds(r.GetDouble(14)),
        };
    }

    // ---- verdicts, filters, compression, selections -------------------------------------------------------------

    public void SaveVerdict(Verdict v) => Write(tx => ReplaceVerdict(tx, v));

    internal void ReplaceVerdict(SqliteTransaction tx, Verdict v) =>
        Exec(tx, "INSERT OR REPLACE INTO verdicts(trajectory_id, verifier, kind, reason) VALUES($t, $v, $k, $r)",
            ("$t", v.TrajectoryId), ("$v", v.Verifier), ("$k", Snake(v.Kind)), ("$r", v.Reason));

    public IReadOnlyList<Verdict> VerdictsOf(string trajectoryId) =>
        Query("SELECT trajectory_id, verifier, kind, reason FROM verdicts WHERE trajectory_id = $t ORDER BY verifier", ReadVerdict, ("$t", trajectoryId));

    public IReadOnlyList<Verdict> Verdicts() => Query("SELECT trajectory_id, verifier, kind, reason FROM verdicts ORDER BY trajectory_id, verifier", ReadVerdict);

    private static Verdict ReadVerdict(SqliteDataReader r) => new()
    {
        TrajectoryId = r.GetString(0),
        Verifier = r.GetString(1),
        Kind = Enum.Parse<VerdictKind>(r.GetString(2).Replace("_", ""), ignoreCase: true),
        Reason = r.GetString(3),
    };

    /// <summary>Replaces a trajectory's filter decisions with these, in one transaction.</summary>
    public void SaveFilterDecisions(string trajectoryId, IReadOnlyList<FilterDecision> decisions) => Write(tx =>
    {
        Exec(tx, "DELETE FROM filter_decisions WHERE trajectory_id = $t", ("$t", trajectoryId));
        InsertFilterDecisions(tx, decisions);
    });

    internal void InsertFilterDecisions(SqliteTransaction tx, IEnumerable<FilterDecision> decisions)
    {
        foreach (var d in decisions)
            Exec(tx, "INSERT INTO filter_decisions(trajectory_id, filter, passed, reason) VALUES($t, $f, $p, $r)",
                ("$t", d.TrajectoryId), ("$f", d.Filter), ("$p", d.Passed ? 1 : 0), ("$r", d.Reason));
    }

    public IReadOnlyList<FilterDecision> FilterDecisionsOf(string trajectoryId) => Query(
        "SELECT trajectory_id, filter, passed, reason FROM filter_decisions WHERE trajectory_id = $t ORDER BY rowid", ReadFilterDecision, ("$t", trajectoryId));

    private static FilterDecision ReadFilterDecision(SqliteDataReader r) => new()
    {
        TrajectoryId = r.GetString(0), Filter = r.GetString(1), Passed = r.GetInt32(2) == 1, Reason = r.GetString(3),
    };

    /// <summary>Ids of trajectories that have filter decisions and passed all of them (small runs and tests).</summary>
    public HashSet<string> PassedAllFilters() => Query("""
        SELECT trajectory_id FROM filter_decisions GROUP BY trajectory_id HAVING min(passed) = 1
        """, r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// How many trajectories have filter decisions and failed some, keyed by the first filter they failed in
    /// <paramref name="order"/> (the funnel counts each dropped trajectory once).
    /// </summary>
    public IReadOnlyDictionary<string, int> FirstFailedFilters(IReadOnlyList<string> order)
    {
        var rank = string.Concat(order.Select((f, i) => $" WHEN '{f.Replace("'", "''")}' THEN {i}"));
        var counts = Query($"""
            SELECT first, count(*) FROM (SELECT min(CASE filter{rank} ELSE {order.Count} END) AS first
                                         FROM filter_decisions WHERE passed = 0 GROUP BY trajectory_id)
            GROUP BY first
            """, r => (Rank: r.GetInt32(0), Count: r.GetInt32(1)));
        return counts.Where(c => c.Rank < order.Count).ToDictionary(c => order[c.Rank], c => c.Count);
    }

    /// <summary>How many trajectories passed every filter, and over how many questions.</summary>
    public (int Trajectories, int Questions) PassedAllFiltersCounts() => Query("""
        SELECT count(*), count(DISTINCT t.question_id) FROM trajectories t
        WHERE (SELECT min(passed) FROM filter_decisions f WHERE f.trajectory_id = t.id) = 1
        """, r => (r.GetInt32(0), r.GetInt32(1)))[0];

    public void SaveCompression(CompressionDecision d) => Write(tx => ReplaceCompression(tx, d));

    internal void ReplaceCompression(SqliteTransaction tx, CompressionDecision d) =>
        Exec(tx, """
            INSERT OR REPLACE INTO compression(question_id, pass_rate, k, threshold, kept, reason)
            VALUES($q, $p, $k, $t, $kept, $r)
            """, ("$q", d.QuestionId), ("$p", d.PassRate), ("$k", d.K), ("$t", d.Threshold), ("$kept", d.IsKept ? 1 : 0), ("$r", d.Reason));

    public CompressionDecision? CompressionOf(string questionId) => Query(
        $"SELECT {CompressionColumns} FROM compression WHERE question_id = $q", ReadCompression, ("$q", questionId)).FirstOrDefault();

    public IReadOnlyList<CompressionDecision> CompressionDecisions() =>
        Query($"SELECT {CompressionColumns} FROM compression ORDER BY question_id", ReadCompression);

    public int DroppedByCompressionCount() => Query("SELECT count(*) FROM compression WHERE kept = 0", r => r.GetInt32(0))[0];

    private const string CompressionColumns = "question_id, pass_rate, k, threshold, kept, reason";

    private static CompressionDecision ReadCompression(SqliteDataReader r) => new()
    {
        QuestionId = r.GetString(0), PassRate = r.GetDouble(1), K = r.GetInt32(2), Threshold = r.GetDouble(3),
        IsKept = r.GetInt32(4) == 1, Reason = r.GetString(5),
    };

    /// <summary>Replaces one question's selections for one strategy, in one transaction.</summary>
    public void SaveSelections(string questionId, string strategy, IReadOnlyList<SelectionDecision> decisions) => Write(tx =>
    {
        Exec(tx, "DELETE FROM selections WHERE strategy = $s AND question_id = $q", ("$s", strategy), ("$q", questionId));
        InsertSelections(tx, decisions);
    });

    internal void InsertSelections(SqliteTransaction tx, IEnumerable<SelectionDecision> decisions)
    {
        foreach (var d in decisions)
            Exec(tx, """
                INSERT INTO selections(trajectory_id, strategy, question_id, selected, reason, rank, min_distance)
                VALUES($t, $s, $q, $sel, $r, $rank, $d)
                """, ("$t", d.TrajectoryId), ("$s", d.Strategy), ("$q", d.QuestionId), ("$sel", d.IsSelected ? 1 : 0),
                ("$r", d.Reason), ("$rank", d.Rank), ("$d", d.MinDistance));
    }

    public IReadOnlyList<SelectionDecision> SelectionsOf(string trajectoryId) => Query(
        $"SELECT {SelectionColumns} FROM selections WHERE trajectory_id = $t ORDER BY strategy", ReadSelection, ("$t", trajectoryId));

    /// <summary>Every decision of one strategy (small runs and tests; exports read <see cref="SelectedPages"/>).</summary>
    public IReadOnlyList<SelectionDecision> Selections(string strategy) => Query(
        $"SELECT {SelectionColumns} FROM selections WHERE strategy = $s ORDER BY question_id, rank, trajectory_id", ReadSelection, ("$s", strategy));

    /// <summary>The first <paramref name="n"/> questions (by id) with a trajectory the strategy selected.</summary>
    public IReadOnlyList<string> FirstSelectedQuestions(string strategy, int n) => Query(
        "SELECT DISTINCT question_id FROM selections WHERE strategy = $s AND selected = 1 ORDER BY question_id LIMIT $n",
        r => r.GetString(0), ("$s", strategy), ("$n", n));

    /// <summary>One question's selected decisions of a strategy, by rank.</summary>
    public IReadOnlyList<SelectionDecision> SelectedOf(string strategy, string questionId) => Query(
        $"SELECT {SelectionColumns} FROM selections WHERE strategy = $s AND question_id = $q AND selected = 1 ORDER BY rank",
        ReadSelection, ("$s", strategy), ("$q", questionId));

    /// <summary>The first selected trajectory of a strategy (by question, then rank), or null.</summary>
    public string? FirstSelected(string strategy) => Query(
        "SELECT trajectory_id FROM selections WHERE strategy = $s AND selected = 1 ORDER BY question_id, rank LIMIT 1",
        r => r.GetString(0), ("$s", strategy)).FirstOrDefault();

    /// <summary>How many trajectories a strategy selected, and over how many questions.</summary>
    public (int Trajectories, int Questions) SelectedCounts(string strategy) => Query(
        "SELECT count(*), count(DISTINCT question_id) FROM selections WHERE strategy = $s AND selected = 1",
        r => (r.GetInt32(0), r.GetInt32(1)), ("$s", strategy))[0];

    private const string SelectionColumns = "trajectory_id, strategy, question_id, selected, reason, rank, min_distance";

    private static SelectionDecision ReadSelection(SqliteDataReader r) => new()
    {
        TrajectoryId = r.GetString(0), Strategy = r.GetString(1), QuestionId = r.GetString(2), IsSelected = r.GetInt32(3) == 1,
        Reason = r.GetString(4), Rank = r.IsDBNull(5) ? null : r.GetInt32(5), MinDistance = r.IsDBNull(6) ? null : r.GetInt32(6),
    };

    // ---- metrics and files --------------------------------------------------------------------------------------

    public void SaveMetrics(string stage, IReadOnlyDictionary<string, double> metrics) => Write(tx =>
    {
        foreach (var (name, value) in metrics)
            Exec(tx, "INSERT OR REPLACE INTO metrics(stage, name, value, recorded_at) VALUES($s, $n, $v, $at)",
                ("$s", stage), ("$n", name), ("$v", value), ("$at", Now()));
    });

    public IReadOnlyDictionary<string, double> Metrics(string stage) =>
        Query("SELECT name, value FROM metrics WHERE stage = $s", r => (r.GetString(0), r.GetDouble(1)), ("$s", stage))
            .ToDictionary(x => x.Item1, x => x.Item2);

    /// <summary>Every stage's timing (<see cref="StageClock"/>), in the order the stages finished.</summary>
    public IReadOnlyList<StageTiming> StageTimings() =>
        Query("SELECT stage FROM metrics WHERE name = 'wall_seconds' ORDER BY recorded_at, stage", r => r.GetString(0))
            .Select(stage => StageTiming.FromMetrics(stage, Metrics(stage))!).ToList();

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
