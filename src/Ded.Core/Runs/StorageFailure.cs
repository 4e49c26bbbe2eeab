using Microsoft.Data.Sqlite;

namespace Ded.Runs;

/// <summary>
/// Turns the failures a user's disk causes (full, read-only, no permission, damaged) into one line saying what and
/// where, as a <see cref="RunStoreException"/>; anything else is left to surface as the bug it is.
/// </summary>
public static class StorageFailure
{
    private const int Enospc = 28, Erofs = 30, Edquot = 122;
    private const string Rerun = "run the same command again afterwards: what is stored is kept";

    /// <summary>The one-line failure for <paramref name="e"/> while writing <paramref name="where"/>, or null when it is not a storage failure.</summary>
    public static RunStoreException? From(Exception e, string where) => e switch
    {
        RunStoreException => null,
        SqliteException s => FromSqlite(s, where),
        IOException io when IsDiskFull(io) => new($"no space left on the disk holding {where} ({io.Message}); free some space and {Rerun}"),
        UnauthorizedAccessException or IOException { HResult: Erofs } =>
            new($"cannot write {where}: {e.Message} (check the folder's permissions, or pick another --out folder)"),
        DirectoryNotFoundException or PathTooLongException => new($"cannot write {where}: {e.Message}"),
        IOException io when io.GetType() == typeof(IOException) => new($"cannot write {where}: {io.Message}"),
        _ => null,
    };

    /// <summary>ENOSPC or EDQUOT as .NET reports them on Unix (the errno as HResult), or Windows' disk-full codes.</summary>
    public static bool IsDiskFull(IOException e) =>
        e.HResult is Enospc or Edquot || (e.HResult & 0xFFFF) is 0x70 or 0x27;

    private static RunStoreException? FromSqlite(SqliteException e, string where) => e.SqliteErrorCode switch
    {
        13 => new($"no space left on the disk holding {where} (SQLite: database or disk is full); free some space and {Rerun}"),
        // why: SQLite reports a full disk as an I/O error where it first grows its shared-memory file (SQLITE_IOERR_SHMSIZE).
        10 when LowOnSpace(where) => new($"no space left on the disk holding {where} ({Detail(e)}); free some space and {Rerun}"),
        3 or 8 or 14 => new($"cannot write {where}: {Detail(e)} (check the folder's permissions and that its disk is writable)"),
        10 => new($"the disk failed while writing {where}: {Detail(e)}; check the disk, then {Rerun}"),
        11 or 26 => new($"{where} is damaged or not a Ded run database ({Detail(e)}); use another --out folder"),
        _ => null,
    };

    private static bool LowOnSpace(string path)
    {
        try
        {
            return new DriveInfo(Path.GetDirectoryName(path)!).AvailableFreeSpace < 1 << 20;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Detail(SqliteException e) => $"SQLite error {e.SqliteErrorCode} ({e.SqliteExtendedErrorCode}): {e.Message}";
}
