using Ded.Data;
using Ded.Rollouts;
using Ded.Verification;

namespace Ded.Runs;

/// <summary>One question and its trajectories, in trajectory-id order.</summary>
public sealed record QuestionGroup(Question Question, IReadOnlyList<Trajectory> Trajectories);

/// <summary>
/// Consecutive questions by id, with their trajectories: what a stage holds in memory at once. <see cref="After"/>
/// (exclusive; null from the first question) and <see cref="Last"/> (inclusive) bound the ids, so the records a stage
/// reads beside them come from one keyed range query per page rather than from a dictionary of the whole run.
/// </summary>
public sealed record QuestionPage(string? After, string Last, IReadOnlyList<QuestionGroup> Groups)
{
    public int Trajectories => Groups.Sum(g => g.Trajectories.Count);

    /// <summary>The SQL condition "<paramref name="column"/> is in this page's range", over <see cref="Parameters"/>.</summary>
    internal string Range(string column) => $"{column} {(After is null ? ">=" : ">")} $after AND {column} <= $last";

    internal (string, object?)[] Parameters(params (string, object?)[] more) => [("$after", After ?? ""), ("$last", Last), .. more];
}

/// <summary>How much one page may hold: it stops before passing either bound, but always holds at least one whole question.</summary>
public sealed record PageLimits(int Questions = 256, int Trajectories = 1024, long Bytes = 32L << 20)
{
    public static PageLimits Default { get; } = new();
}

public sealed partial class RunStore
{
    /// <summary>
    /// Every question in id order with its trajectories, a page at a time. Each page is read by short statements of its
    /// own (no read stays open across pages, so writes between pages checkpoint normally), and holds at most
    /// <paramref name="limits"/> or one question, whichever is more: memory stays a constant plus the largest group.
    /// </summary>
    public IEnumerable<QuestionPage> QuestionPages(PageLimits? limits = null)
    {
        limits ??= PageLimits.Default;
        for (string? after = null; NextPageEnd(after, limits) is { } last; after = last)
            yield return ReadPage(new QuestionPage(after, last, []));
    }

    /// <summary>The last question id of the page after <paramref name="after"/>, or null when no question follows.</summary>
    private string? NextPageEnd(string? after, PageLimits limits)
    {
        // Sizes come from the records' headers (octet_length does not read the text itself).
        var sizes = Query($"""
            SELECT q.id, octet_length(q.text) + octet_length(q.gold) + octet_length(q.metadata),
                   (SELECT count(*) FROM trajectories t WHERE t.question_id = q.id),
                   (SELECT coalesce(sum(octet_length(t.raw_response) + octet_length(t.reasoning) + octet_length(t.final_answer_text)), 0)
                    FROM trajectories t WHERE t.question_id = q.id)
            FROM questions q WHERE q.id {(after is null ? ">=" : ">")} $after ORDER BY q.id LIMIT $n
            """, r => (Id: r.GetString(0), Bytes: r.GetInt64(1) + r.GetInt64(3), Rows: r.GetInt32(2)), ("$after", after ?? ""), ("$n", limits.Questions));
        if (sizes.Count == 0) return null;
        string last = sizes[0].Id;
        long rows = sizes[0].Rows, bytes = sizes[0].Bytes;
        foreach (var size in sizes.Skip(1))
        {
            if ((rows += size.Rows) > limits.Trajectories || (bytes += size.Bytes) > limits.Bytes) break;
            last = size.Id;
        }
        return last;
    }

    private QuestionPage ReadPage(QuestionPage range)
    {
        var questions = Query($"SELECT {QuestionColumns} FROM questions WHERE {range.Range("id")} ORDER BY id", ReadQuestion, range.Parameters());
        var trajectories = Query($"""
            SELECT {TrajectoryColumns} FROM trajectories WHERE {range.Range("question_id")} ORDER BY question_id, id
            """, ReadTrajectory, range.Parameters()).ToLookup(t => t.QuestionId, StringComparer.Ordinal);
        return range with { Groups = questions.Select(q => new QuestionGroup(q, trajectories[q.Id].ToList())).ToList() };
    }

    /// <summary>The page's verdicts by one verifier, by trajectory id.</summary>
    public Dictionary<string, Verdict> VerdictsIn(QuestionPage page, string verifier) => Query($"""
        SELECT v.trajectory_id, v.verifier, v.kind, v.reason FROM trajectories t JOIN verdicts v ON v.trajectory_id = t.id
        WHERE {page.Range("t.question_id")} AND v.verifier = $v
        """, ReadVerdict, page.Parameters(("$v", verifier))).ToDictionary(v => v.TrajectoryId, StringComparer.Ordinal);

    /// <summary>The page's trajectories that have filter decisions and passed all of them.</summary>
    public HashSet<string> PassedAllFiltersIn(QuestionPage page) => Query($"""
        SELECT t.id FROM trajectories t WHERE {page.Range("t.question_id")}
            AND (SELECT min(passed) FROM filter_decisions f WHERE f.trajectory_id = t.id) = 1
        """, r => r.GetString(0), page.Parameters()).ToHashSet(StringComparer.Ordinal);

    /// <summary>The page's questions that compression dropped.</summary>
    public HashSet<string> DroppedByCompressionIn(QuestionPage page) => Query(
        $"SELECT question_id FROM compression WHERE {page.Range("question_id")} AND kept = 0",
        r => r.GetString(0), page.Parameters()).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A strategy's selected trajectories with their questions' text, by question then rank, a page at a time
    /// (keyset on question and rank: each page is its own statement, and a question's text is read once per page).
    /// </summary>
    public IEnumerable<IReadOnlyList<Export.ExportRow>> SelectedPages(string strategy, int rowsPerPage = 1024)
    {
        // Ranks start at 1, so ("", 0) is before every selected row.
        var (question, rank) = ("", 0);
        while (true)
        {
            var rows = Query("""
                SELECT s.question_id, s.rank, s.trajectory_id, t.teacher, t.raw_response
                FROM selections s JOIN trajectories t ON t.id = s.trajectory_id
                WHERE s.strategy = $s AND s.selected = 1 AND (s.question_id, s.rank) > ($q, $r)
                ORDER BY s.question_id, s.rank LIMIT $n
                """, r => (Question: r.GetString(0), Rank: r.GetInt32(1), Id: r.GetString(2), Teacher: r.GetString(3), Response: r.GetString(4)),
                ("$s", strategy), ("$q", question), ("$r", rank), ("$n", rowsPerPage));
            if (rows.Count == 0) yield break;
            var texts = Query("""
                SELECT q.id, q.text FROM questions q WHERE q.id >= $first AND q.id <= $last
                    AND EXISTS (SELECT 1 FROM selections s WHERE s.strategy = $s AND s.question_id = q.id AND s.selected = 1)
                """, r => (r.GetString(0), r.GetString(1)), ("$first", rows[0].Question), ("$last", rows[^1].Question), ("$s", strategy))
                .ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);
            yield return rows.Select(r => new Export.ExportRow
            {
                TrajectoryId = r.Id, QuestionId = r.Question, Teacher = r.Teacher, Question = texts[r.Question], Response = r.Response,
            }).ToList();
            (question, rank) = (rows[^1].Question, rows[^1].Rank);
        }
    }

    /// <summary>A writer that batches this store's records (<see cref="StoreWriter"/>); one per stage run.</summary>
    public StoreWriter Writer() => new(this);

    /// <summary>One transaction for a batch of writes: every one of them is committed, or none.</summary>
    internal IReadOnlyList<object?> WriteBatch(IReadOnlyList<Func<Microsoft.Data.Sqlite.SqliteTransaction, object?>> writes) =>
        Write(tx => writes.Select(w => w(tx)).ToList());

    internal void DeleteFilterDecisions(Microsoft.Data.Sqlite.SqliteTransaction tx, QuestionPage page) => _writes.Execute(tx, $"""
        DELETE FROM filter_decisions WHERE trajectory_id IN (SELECT id FROM trajectories WHERE {page.Range("question_id")})
        """, page.Parameters());

    internal void DeleteSelections(Microsoft.Data.Sqlite.SqliteTransaction tx, QuestionPage page, string strategy) => _writes.Execute(tx,
        $"DELETE FROM selections WHERE strategy = $s AND {page.Range("question_id")}", page.Parameters(("$s", strategy)));
}
