using System.Diagnostics;
using System.Globalization;

namespace Ded.Runs;

/// <summary>
/// One writer per run folder. The writer holds <c>run.lock</c> open with <see cref="FileShare.None"/>, which .NET takes
/// on Unix as <c>flock(LOCK_EX | LOCK_NB)</c>: the kernel drops it when the process ends, however it ends (kill -9
/// included), so a killed run never blocks its rerun. <c>run.lock.owner</c> names the holder (pid, command, start)
/// for a second process, which is refused. The lock file itself is never deleted: a process that opened it before the
/// deletion would lock a file nobody else sees.
/// </summary>
public sealed class RunFolderLock : IDisposable
{
    public const string LockFile = "run.lock";
    public const string OwnerFile = "run.lock.owner";

    private readonly FileStream _stream;
    private readonly string _ownerPath;

    private RunFolderLock(FileStream stream, string ownerPath) => (_stream, _ownerPath) = (stream, ownerPath);

    /// <summary>Takes the folder's lock (creating the folder when absent).</summary>
    /// <exception cref="RunStoreException">Another process holds it; the message says which.</exception>
    public static RunFolderLock Acquire(string folder)
    {
        var lockPath = Path.Combine(folder, LockFile);
        var ownerPath = Path.Combine(folder, OwnerFile);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            throw new RunStoreException($"{folder} is in use by another process ({Owner(ownerPath)}): one run folder has one writer at a time; " +
                                        "wait for it to finish or stop it, or use another --out folder. `ded show` reads it meanwhile.");
        }
        catch (Exception e) when (StorageFailure.From(e, lockPath) is { } failure)
        {
            throw failure;
        }
        try
        {
            AtomicFile.Write(ownerPath, Describe(Environment.ProcessId));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new RunFolderLock(stream, ownerPath);
    }

    // why: .NET reports a flock held elsewhere as a plain IOException with the errno (EWOULDBLOCK: 11 on Linux, 35 on
    // macOS) as HResult; Windows' sharing violation is 0x20.
    private static bool IsHeldElsewhere(IOException e) =>
        e.GetType() == typeof(IOException) && (e.HResult is 11 or 35 || (e.HResult & 0xFFFF) == 0x20);

    private static string Describe(int pid)
    {
        var args = Environment.GetCommandLineArgs();
        var command = string.Join(' ', [Path.GetFileNameWithoutExtension(args[0]), .. args.Skip(1)]);
        var started = Process.GetCurrentProcess().StartTime.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return $"pid {pid} on {Environment.MachineName}, started {started}: {command}";
    }

    private static string Owner(string ownerPath)
    {
        try
        {
            return File.Exists(ownerPath) ? File.ReadAllText(ownerPath).Trim() : "its details are not written yet";
        }
        catch (IOException)
        {
            return "its details cannot be read";
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_ownerPath); // before the lock goes, so the next holder's owner file is never deleted by us
        }
        catch (IOException)
        {
            // a stale owner file is overwritten by the next holder
        }
        _stream.Dispose();
    }
}
