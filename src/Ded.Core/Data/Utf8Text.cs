using System.Text;

namespace Ded.Data;

/// <summary>A text file whose bytes are not valid UTF-8, at the first bad byte: never silently read as U+FFFD.</summary>
public sealed class InvalidUtf8Exception(string path, long line, long column, byte value)
    : Exception($"{path}:{line}: is not valid UTF-8 (byte 0x{value:X2} at column {column}); save the file as UTF-8")
{
    public string Path { get; } = path;
    public long Line { get; } = line;
    public long Column { get; } = column;
    public byte Value { get; } = value;

    /// <summary>What a loader says after <c>file:line:</c>.</summary>
    public string Problem => $"is not valid UTF-8 (byte 0x{Value:X2} at column {Column}); save the file as UTF-8";
}

/// <summary>Reads input files as strict UTF-8 (a BOM is allowed): an invalid byte fails with its line and column.</summary>
public static class Utf8Text
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's lines, streamed.</summary>
    /// <exception cref="InvalidUtf8Exception">The file holds an invalid byte sequence.</exception>
    public static IEnumerable<string> ReadLines(string path)
    {
        using var reader = OpenReader(path);
        while (ReadLine(reader, path) is { } line)
            yield return line;
    }

    /// <summary>A reader that throws on invalid bytes; pass what it throws to <see cref="Locate"/>.</summary>
    public static StreamReader OpenReader(string path) => new(path, Strict, detectEncodingFromByteOrderMarks: true);

    private static string? ReadLine(StreamReader reader, string path)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (DecoderFallbackException)
        {
            throw Locate(path);
        }
    }

    /// <inheritdoc cref="ReadLines"/>
    public static async Task<string?> ReadLineAsync(StreamReader reader, string path, CancellationToken ct)
    {
        try
        {
            return await reader.ReadLineAsync(ct);
        }
        catch (DecoderFallbackException)
        {
            throw Locate(path);
        }
    }

    /// <summary>The whole file.</summary>
    /// <exception cref="InvalidUtf8Exception">The file holds an invalid byte sequence.</exception>
    public static string ReadAll(string path)
    {
        try
        {
            return File.ReadAllText(path, Strict);
        }
        catch (DecoderFallbackException)
        {
            throw Locate(path);
        }
    }

    /// <summary>Where the first invalid byte of <paramref name="path"/> is (the slow path, run once a read has failed).</summary>
    // why: the decoder fails on a buffer, not a line; Utf8.ToUtf16 says exactly how many bytes were valid.
    public static InvalidUtf8Exception Locate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        System.Text.Unicode.Utf8.ToUtf16(bytes, new char[bytes.Length], out var valid, out _, replaceInvalidSequences: false);
        var bad = Math.Min(valid, bytes.Length - 1);
        var lineStart = bytes.AsSpan(0, bad).LastIndexOf((byte)'\n') + 1;
        var line = bytes.AsSpan(0, bad).Count((byte)'\n') + 1;
        return new InvalidUtf8Exception(path, line, bad - lineStart + 1, bytes[bad]);
    }
}
