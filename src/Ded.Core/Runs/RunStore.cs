using Ded.Data;
using Ded.Display;
using Ded.Filtering;
using Ded.Recipes;
using Ded.Rollouts;
using Ded.Selection;
using Ded.Verification;
using Microsoft.Data.Sqlite;

namespace Ded.Runs;

/// <summary>
/// One run folder: `run.db` (SQLite, WAL) holding questions, requests, trajectories, verdicts, filter decisions,
/// compression decisions, selections and metrics, plus the recipe snapshot and exports. The only writer of run files.
/// Each record write is one transaction, so a killed process leaves whole records or none.
/// </summary>
public sealed partial class RunStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new(); // one connection, many rollout tasks
    private readonly RunFolderLock? _writer; // null for a reader

    private RunStore(string folder, SqliteConnection db, RunFolderLock? writer)
    {
        Folder = folder;
        _db = db;
        _writer = writer;
    }

    /// <summary>The run folder (absolute).</summary>
    public string Folder { get; }
    public string DatabasePath => Path.Combine(Folder, "run.db");

    /// <summary>
    /// Opens (creating when absent) the run folder and its database as its one writer: holds the folder's
    /// <see cref="RunFolderLock"/> until disposed.
    /// </summary>
    /// <exception cref="RunStoreException">Another process writes the folder, or the folder or its database cannot be written.</exception>
    public static RunStore Open(string folder)
    {
        var full = Path.GetFullPath(folder);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StorageFailure.From(e, full) ?? new RunStoreException($"cannot create the run folder {full}: {e.Message}");
        }
        var writer = RunFolderLock.Acquire(full);
        try
        {
            var db = Connect(full);
            Execute(db, Schema);
            AddAttemptColumns(db);
            return new RunStore(full, db, writer);
        }
        catch (Exception e)
        {
            writer.Dispose();
            if (StorageFailure.From(e, Path.Combine(full, "run.db")) is { } failure) throw failure;
            throw;
        }
    }

    /// <summary>Opens an existing run folder as its writer; throws when there is no run there.</summary>
    public static RunStore OpenExisting(string folder) => Open(Existing(folder));

    /// <summary>
    /// Opens an existing run folder to read it, without its writer's lock (WAL lets a reader see every committed
    /// record while a run writes): what `ded show` uses.
    /// </summary>
    public static RunStore OpenToRead(string folder)
    {
        var full = Existing(folder);
        try
        {
            return new RunStore(full, Connect(full), writer: null);
        }
        catch (Exception e) when (StorageFailure.From(e, Path.Combine(full, "run.db")) is { } failure)
        {
            throw failure;
        }
    }

    private static string Existing(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (!File.Exists(Path.Combine(full, "run.db")))
            throw new RunStoreException($"no run in {full} (run.db missing); start one with `ded rollout RECIPE --out {ShellWords.Quote(folder)}` or `ded lab`");
        return full;
    }

    private static SqliteConnection Connect(string folder)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "run.db"), Pooling = false }.ToString());
        db.Open();
        // WAL lets `ded show` and tests read while a rollout writes; NORMAL is durable at each commit's checkpoint in WAL mode.
        Execute(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;");
        return db;
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS run_info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS questions(id TEXT PRIMARY KEY, source TEXT NOT NULL, text TEXT NOT NULL, gold TEXT NOT NULL,
            domain TEXT NOT NULL, family TEXT NOT NULL, difficulty INTEGER NOT NULL, metadata TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS requests(attempt INTEGER PRIMARY KEY AUTOINCREMENT, request_key TEXT NOT NULL,
            trajectory_id TEXT NOT NULL, invocation TEXT NOT NULL, sent_at TEXT NOT NULL, status TEXT NOT NULL,
            finished_at TEXT, error TEXT, cause TEXT, status_code INTEGER);
        CREATE INDEX IF NOT EXISTS requests_by_key ON requests(request_key);
        CREATE TABLE IF NOT EXISTS trajectories(id TEXT PRIMARY KEY, request_key TEXT NOT NULL UNIQUE,
            question_id TEXT NOT NULL REFERENCES questions(id), teacher TEXT NOT NULL, model TEXT NOT NULL,
            sample_index INTEGER NOT NULL, seed INTEGER NOT NULL, sampling TEXT NOT NULL, sampling_hash TEXT NOT NULL,
            raw_response TEXT NOT NULL, reasoning TEXT NOT NULL, final_answer_text TEXT NOT NULL, finish_reason TEXT NOT NULL,
            input_tokens INTEGER, output_tokens INTEGER, latency_ms REAL NOT NULL, created_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS trajectories_by_question ON trajectories(question_id);
        CREATE TABLE IF NOT EXISTS verdicts(trajectory_id TEXT NOT NULL REFERENCES trajectories(id), verifier TEXT NOT NULL,
            kind TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(trajectory_id, verifier));
        CREATE TABLE IF NOT EXISTS filter_decisions(trajectory_id TEXT NOT NULL REFERENCES trajectories(id), filter TEXT NOT NULL,
            passed INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(trajectory_id, filter));
        CREATE TABLE IF NOT EXISTS compression(question_id TEXT PRIMARY KEY REFERENCES questions(id), pass_rate REAL NOT NULL,
            k INTEGER NOT NULL, threshold REAL NOT NULL, kept INTEGER NOT NULL, reason TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS selections(trajectory_id TEXT NOT NULL REFERENCES trajectories(id), strategy TEXT NOT NULL,
            question_id TEXT NOT NULL, selected INTEGER NOT NULL, reason TEXT NOT NULL, rank INTEGER, min_distance INTEGER,
            PRIMARY KEY(trajectory_id, strategy));
        CREATE TABLE IF NOT EXISTS metrics(stage TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, recorded_at TEXT NOT NULL,
            PRIMARY KEY(stage, name));
        CREATE TABLE IF NOT EXISTS recorded(trajectory_id TEXT PRIMARY KEY REFERENCES trajectories(id), location TEXT NOT NULL);
        """;

    /// <summary>Adds the columns a folder written before attempts had causes lacks (SQLite has no ADD COLUMN IF NOT EXISTS).</summary>
    private static void AddAttemptColumns(SqliteConnection db)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM pragma_table_info('requests') WHERE name = 'cause'";
        if (Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            Execute(db, "ALTER TABLE requests ADD COLUMN cause TEXT; ALTER TABLE requests ADD COLUMN status_code INTEGER;");
    }

    // ---- recipe snapshot -------------------------------------------------------------------------------------

    /// <summary>
    /// Records the recipe (its text as `recipe.yaml` and its resolved form) on first use; later uses must match,
    /// so one folder never mixes two recipes.
    /// </summary>
    /// <exception cref="RunStoreException">The folder holds a run of a different resolved recipe.</exception>
    public void SnapshotRecipe(Recipe recipe, string recipeText)
    {
        var resolved = RecipeJson.Write(recipe with { SourcePath = Path.GetFileName(recipe.SourcePath) });
        lock (_gate)
        {
            var existing = InfoValue("recipe_resolved");
            if (existing is not null)
            {
                if (existing != resolved)
                    throw new RunStoreException($"{Folder} holds a run of a different recipe (see its recipe.yaml); " +
                                                "use another --out folder or delete this one");
                return;
            }
            WriteFileAtomically("recipe.yaml", recipeText);
            using var tx = _db.BeginTransaction();
            SetInfo(tx, "recipe_resolved", resolved);
            SetInfo(tx, "recipe_name", recipe.Name);
            SetInfo(tx, "seed", recipe.Sampling.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            SetInfo(tx, "created_at", DateTimeOffset.UtcNow.ToString("O"));
            Commit(tx);
        }
    }

    /// <summary>The recipe this run was started with, read with the kinds it was written with; throws when the folder has none yet.</summary>
    public Recipe Recipe(RecipeExtensions extensions)
    {
        string? json;
        lock (_gate) json = InfoValue("recipe_resolved");
        if (json is null)
            throw new RunStoreException($"{Folder} has no recipe yet; start the run with `ded rollout RECIPE --out {ShellWords.Quote(Folder)}`");
        return RecipeJson.Read(json, extensions) with { SourcePath = Path.Combine(Folder, "recipe.yaml") };
    }

    // ---- questions --------------------------------------------------------------------------------------------

    /// <summary>Adds the questions not yet present (by id) in one transaction; returns how many were new.</summary>
    public int IngestQuestions(IReadOnlyList<Question> questions)
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            int added = 0;
            foreach (var q in questions)
                added += Exec(tx, """
                    INSERT OR IGNORE INTO questions(id, source, text, gold, domain, family, difficulty, metadata)
                    VALUES($id, $source, $text, $gold, $domain, $family, $difficulty, $metadata)
                    """, ("$id", q.Id), ("$source", q.Source), ("$text", q.Text), ("$gold", q.GoldAnswer), ("$domain", q.Domain),
                    ("$family", q.Family), ("$difficulty", q.Difficulty), ("$metadata", RunJson.Write(q.Metadata)));
            Commit(tx);
            return added;
        }
    }

    public IReadOnlyList<Question> Questions() => Query("SELECT * FROM questions ORDER BY id", ReadQuestion);

    public Question? Question(string id) => Query("SELECT * FROM questions WHERE id = $id", ReadQuestion, ("$id", id)).FirstOrDefault();

    private static Question ReadQuestion(SqliteDataReader r) => new()
    {
        Id = r.GetString(r.GetOrdinal("id")),
        Source = r.GetString(r.GetOrdinal("source")),
        Text = r.GetString(r.GetOrdinal("text")),
        GoldAnswer = r.GetString(r.GetOrdinal("gold")),
        Domain = r.GetString(r.GetOrdinal("domain")),
        Family = r.GetString(r.GetOrdinal("family")),
        Difficulty = r.GetInt32(r.GetOrdinal("difficulty")),
        Metadata = RunJson.Read<Dictionary<string, string>>(r.GetString(r.GetOrdinal("metadata"))),
    };

    // ---- helpers ----------------------------------------------------------------------------------------------

    private string? InfoValue(string key) =>
        QueryUnlocked("SELECT value FROM run_info WHERE key = $k", r => r.GetString(0), ("$k", key)).FirstOrDefault();

    private void SetInfo(SqliteTransaction tx, string key, string value) =>
        Exec(tx, "INSERT OR REPLACE INTO run_info(key, value) VALUES($k, $v)", ("$k", key), ("$v", value));

    private int Exec(SqliteTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = Command(tx, sql, args);
        return Storing(cmd.ExecuteNonQuery);
    }

    private void Commit(SqliteTransaction tx) => Storing(() =>
    {
        tx.Commit();
        return 0;
    });

    /// <summary>Runs a write; a full disk or an unwritable file becomes one line naming run.db (<see cref="StorageFailure"/>).</summary>
    private T Storing<T>(Func<T> write)
    {
        try
        {
            return write();
        }
        catch (SqliteException e) when (StorageFailure.From(e, DatabasePath) is { } failure)
        {
            throw failure;
        }
    }

    private SqliteCommand Command(SqliteTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string, object?)[] args)
    {
        lock (_gate) return QueryUnlocked(sql, read, args);
    }

    private List<T> QueryUnlocked<T>(string sql, Func<SqliteDataReader, T> read, params (string, object?)[] args)
    {
        using var cmd = Command(null, sql, args);
        using var reader = cmd.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _db.Dispose();
        _writer?.Dispose();
    }
}
