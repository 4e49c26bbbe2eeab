namespace Ded.Display;

/// <summary>Words for the commands Ded suggests (`ded show ID --out DIR`), quoted so a POSIX shell reads each back as
/// itself when the line is pasted: an id holding <c>$(...)</c>, <c>;</c> or a quote must not run.</summary>
public static class ShellWords
{
    /// <summary>The word bare when it holds only characters no POSIX shell treats specially, else in single quotes with
    /// each <c>'</c> written <c>'\''</c> (POSIX.1-2017 XCU 2.2.2: nothing is special inside single quotes).</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(IsPlain) ? word : "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>The words quoted and joined by spaces.</summary>
    public static string Command(params IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':' or ',' or '+' or '=' or '@' or '%';
}
