namespace Ded.Runs;

/// <summary>
/// Writes a file through a temporary file beside it and a rename, so a kill never leaves half a file; on a failure
/// (a full disk, no permission) the temporary file is deleted and the failure says what and where.
/// </summary>
public static class AtomicFile
{
    public const string TempSuffix = ".tmp";

    public static void Write(string path, string text) => WriteTextAsync(path, text, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM).</summary>
    public static Task WriteTextAsync(string path, string text, CancellationToken cancellationToken) =>
        WriteAsync(path, (s, ct) => s.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct).AsTask(), cancellationToken);

    /// <exception cref="RunStoreException">The file could not be written (disk full, permissions, ...).</exception>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var temp = path + TempSuffix;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (var stream = File.Create(temp))
                await write(stream, cancellationToken);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (StorageFailure.From(e, path) is { } failure) throw failure;
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // nothing more can be done; the failure being reported says why
        }
    }
}
