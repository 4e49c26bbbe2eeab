using Ded.Data;
using Ded.Display;
using Ded.Recipes;
using Microsoft.Data.Sqlite;

namespace Ded.Runs;

/// <summary>
/// One run folder: `run.db` (SQLite, WAL) holding questions, requests, trajectories, verdicts, filter decisions,
/// compression decisions, selections and metrics, plus the recipe snapshot and exports. The only writer of run files.
/// Writes go through one connection, each batch one transaction (<see cref="StoreWriter"/> groups a stage's records
/// into batches), so a killed process leaves whole batches or none. Reads go through a second connection in short
/// statements (pages, keyed look-ups), so they never wait on a batch and never hold the WAL open.
/// </summary>
public sealed partial class RunStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new(); // the write connection: direct writes and the batch writer
    private readonly Statements _writes;
    private readonly SqliteConnection _readDb;
    private readonly Lock _readGate = new(); // the read connection: stages, reports, `ded show`
    private readonly Statements _reads;
    private readonly RunFolderLock? _writer; // null for a reader

    private RunStore(string folder, SqliteConnection db, SqliteConnection readDb, RunFolderLock? writer)
    {
        Folder = folder;
        _db = db;
        _writes = new Statements(db);
        _readDb = readDb;
        _reads = new Statements(readDb);
        _writer = writer;
    }

    /// <summary>The run folder (absolute).</summary>
    public string Folder { get; }
    public string DatabasePath => Path.Combine(Folder, "run.db");

    /// <summary>Bytes of `run.db` and its write-ahead log now.</summary>
    public long DatabaseBytes => FileBytes(DatabasePath) + FileBytes(DatabasePath + "-wal");

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
            return Connected(full, writer);
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
            return Connected(full, writer: null);
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

    /// <summary>The write and the read connection; a writer (<paramref name="writer"/> set) also creates or updates the schema.</summary>
    private static RunStore Connected(string full, RunFolderLock? writer)
    {
        var db = Connect(full, writer is null ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadWriteCreate);
        try
        {
            // WAL lets `ded show` and tests read while a rollout writes; NORMAL is durable at each commit's checkpoint in WAL mode.
            Execute(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            if (writer is not null)
            {
                Execute(db, Schema);
                AddAttemptColumns(db);
            }
            var readDb = Connect(full, SqliteOpenMode.ReadWrite);
            // SQLite's length() counts code points; .NET and the filters count UTF-16 code units.
            readDb.CreateFunction("utf16_length", (string text) => text.Length, isDeterministic: true);
            return new RunStore(full, db, readDb, writer);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static SqliteConnection Connect(string folder, SqliteOpenMode mode)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, "run.db"), Mode = mode, Pooling = false,
        }.ToString());
        db.Open();
        // 32 MB of page cache per connection: the indexes' hot pages stay in memory; a constant, whatever the run's size.
        Execute(db, "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA cache_size=-32768;");
        return db;
    }

    // Every index serves a lookup a stage makes; none is keyed by a hash (a random key makes each insert dirty its own
    // page, so a batch writes one page per row and the run slows as it grows). Request keys are found by question.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS run_info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS questions(id TEXT PRIMARY KEY, source TEXT NOT NULL, text TEXT NOT NULL, gold TEXT NOT NULL,
            domain TEXT NOT NULL, family TEXT NOT NULL, difficulty INTEGER NOT NULL, metadata TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS requests(attempt INTEGER PRIMARY KEY AUTOINCREMENT, request_key TEXT NOT NULL,
            trajectory_id TEXT NOT NULL, invocation TEXT NOT NULL, sent_at TEXT NOT NULL, status TEXT NOT NULL,
            finished_at TEXT, error TEXT, cause TEXT, status_code INTEGER);
        CREATE INDEX IF NOT EXISTS requests_by_trajectory ON requests(trajectory_id);
        CREATE INDEX IF NOT EXISTS requests_in_flight ON requests(status) WHERE status = 'sent';
        CREATE TABLE IF NOT EXISTS trajectories(id TEXT PRIMARY KEY, request_key TEXT NOT NULL,
            question_id TEXT NOT NULL REFERENCES questions(id), teacher TEXT NOT NULL, model TEXT NOT NULL,
            sample_index INTEGER NOT NULL, seed INTEGER NOT NULL, sampling TEXT NOT NULL, sampling_hash TEXT NOT NULL,
            raw_response TEXT NOT NULL, reasoning TEXT NOT NULL, final_answer_text TEXT NOT NULL, finish_reason TEXT NOT NULL,
            input_tokens INTEGER, output_tokens INTEGER, latency_ms REAL NOT NULL, created_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS trajectories_by_question_id ON trajectories(question_id, id);
        CREATE TABLE IF NOT EXISTS verdicts(trajectory_id TEXT NOT NULL REFERENCES trajectories(id), verifier TEXT NOT NULL,
            kind TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(trajectory_id, verifier));
        CREATE TABLE IF NOT EXISTS filter_decisions(trajectory_id TEXT NOT NULL REFERENCES trajectories(id), filter TEXT NOT NULL,
            passed INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(trajectory_id, filter));
        CREATE TABLE IF NOT EXISTS compression(question_id TEXT PRIMARY KEY REFERENCES questions(id), pass_rate REAL NOT NULL,
            k INTEGER NOT NULL, threshold REAL NOT NULL, kept INTEGER NOT NULL, reason TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS selections(trajectory_id TEXT NOT NULL REFERENCES trajectories(id), strategy TEXT NOT NULL,
            question_id TEXT NOT NULL, selected INTEGER NOT NULL, reason TEXT NOT NULL, rank INTEGER, min_distance INTEGER,
            PRIMARY KEY(trajectory_id, strategy));
        CREATE INDEX IF NOT EXISTS selections_by_question ON selections(strategy, question_id, rank);
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
            var existing = InfoValue(_writes, "recipe_resolved");
            if (existing is not null)
            {
                if (existing != resolved)
                    throw new RunStoreException($"{Folder} holds a run of a different recipe (see its recipe.yaml); " +
                                                "use another --out folder or delete this one");
                return;
            }
            WriteFileAtomically("recipe.yaml", recipeText);
            Write(tx => // the gate is reentrant: the check and the write are one step for other threads
            {
                SetInfo(tx, "recipe_resolved", resolved);
                SetInfo(tx, "recipe_name", recipe.Name);
                SetInfo(tx, "seed", recipe.Sampling.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
                SetInfo(tx, "created_at", DateTimeOffset.UtcNow.ToString("O"));
            });
        }
    }

    /// <summary>The recipe this run was started with, read with the kinds it was written with; throws when the folder has none yet.</summary>
    public Recipe Recipe(RecipeExtensions extensions)
    {
        string? json;
        lock (_readGate) json = InfoValue(_reads, "recipe_resolved");
        if (json is null)
            throw new RunStoreException($"{Folder} has no recipe yet; start the run with `ded rollout RECIPE --out {ShellWords.Quote(Folder)}`");
        return RecipeJson.Read(json, extensions) with { SourcePath = Path.Combine(Folder, "recipe.yaml") };
    }

    // ---- questions --------------------------------------------------------------------------------------------

    /// <summary>Adds the questions not yet present (by id) in one transaction; returns how many were new.</summary>
    public int IngestQuestions(IReadOnlyList<Question> questions) => Write(tx =>
    {
        int added = 0;
        foreach (var q in questions)
            added += Exec(tx, """
                INSERT OR IGNORE INTO questions(id, source, text, gold, domain, family, difficulty, metadata)
                VALUES($id, $source, $text, $gold, $domain, $family, $difficulty, $metadata)
                """, ("$id", q.Id), ("$source", q.Source), ("$text", q.Text), ("$gold", q.GoldAnswer), ("$domain", q.Domain),
                ("$family", q.Family), ("$difficulty", q.Difficulty), ("$metadata", RunJson.Write(q.Metadata)));
        return added;
    });

    /// <summary>Every question, in id order (small runs and tests; stages read <see cref="QuestionPages"/>).</summary>
    public IReadOnlyList<Question> Questions() => Query($"SELECT {QuestionColumns} FROM questions ORDER BY id", ReadQuestion);

    public Question? Question(string id) => Query($"SELECT {QuestionColumns} FROM questions WHERE id = $id", ReadQuestion, ("$id", id)).FirstOrDefault();

    public int QuestionCount() => Query("SELECT count(*) FROM questions", r => r.GetInt32(0))[0];

    private const string QuestionColumns = "id, source, text, gold, domain, family, difficulty, metadata";

    private static Question ReadQuestion(SqliteDataReader r) => new()
    {
        Id = r.GetString(0), Source = r.GetString(1), Text = r.GetString(2), GoldAnswer = r.GetString(3), Domain = r.GetString(4),
        Family = r.GetString(5), Difficulty = r.GetInt32(6), Metadata = RunJson.Read<Dictionary<string, string>>(r.GetString(7)),
    };

    // ---- helpers ----------------------------------------------------------------------------------------------

    private string? InfoValue(Statements on, string key) =>
        on.Query("SELECT value FROM run_info WHERE key = $k", r => r.GetString(0), ("$k", key)).FirstOrDefault();

    private void SetInfo(SqliteTransaction tx, string key, string value) =>
        Exec(tx, "INSERT OR REPLACE INTO run_info(key, value) VALUES($k, $v)", ("$k", key), ("$v", value));

    /// <summary>Runs one statement of a write transaction (the caller holds the write gate).</summary>
    private int Exec(SqliteTransaction tx, string sql, params (string Name, object? Value)[] args) => _writes.Execute(tx, sql, args);

    /// <summary>One write transaction on the write connection: all of <paramref name="write"/> or none of it.</summary>
    private T Write<T>(Func<SqliteTransaction, T> write)
    {
        // A full disk or an unwritable file becomes one line naming run.db (StorageFailure); the transaction rolls back.
        try
        {
            lock (_gate)
            {
                using var tx = _db.BeginTransaction();
                var result = write(tx);
                tx.Commit();
                return result;
            }
        }
        catch (SqliteException e) when (StorageFailure.From(e, DatabasePath) is { } failure)
        {
            throw failure;
        }
    }

    private void Write(Action<SqliteTransaction> write) => Write(tx => { write(tx); return 0; });

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string, object?)[] args)
    {
        lock (_readGate) return _reads.Query(sql, read, args);
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long FileBytes(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    public void Dispose()
    {
        _reads.Dispose();
        _readDb.Dispose();
        _writes.Dispose();
        _db.Dispose();
        _writer?.Dispose();
    }

    /// <summary>
    /// Prepared statements of one connection, kept by SQL text: each is compiled once per run, not once per row
    /// (compiling a 17-column insert costs more than running it). The caller holds that connection's gate.
    /// </summary>
    private sealed class Statements(SqliteConnection db) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _cache = new(StringComparer.Ordinal);

        public int Execute(SqliteTransaction? tx, string sql, (string Name, object? Value)[] args) => Bind(tx, sql, args).ExecuteNonQuery();

        public object? Scalar(SqliteTransaction? tx, string sql, (string Name, object? Value)[] args) => Bind(tx, sql, args).ExecuteScalar();

        public List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] args)
        {
            var rows = new List<T>();
            Each(sql, r => rows.Add(read(r)), args);
            return rows;
        }

        public void Each(string sql, Action<SqliteDataReader> read, params (string Name, object? Value)[] args)
        {
            using var reader = Bind(null, sql, args).ExecuteReader();
            while (reader.Read()) read(reader);
        }

        private SqliteCommand Bind(SqliteTransaction? tx, string sql, (string Name, object? Value)[] args)
        {
            if (!_cache.TryGetValue(sql, out var cmd))
            {
                cmd = db.CreateCommand();
                cmd.CommandText = sql;
                _cache[sql] = cmd;
            }
            cmd.Transaction = tx;
            cmd.Parameters.Clear();
            foreach (var (name, value) in args)
                cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            return cmd;
        }

        public void Dispose()
        {
            foreach (var cmd in _cache.Values) cmd.Dispose();
            _cache.Clear();
        }
    }
}
