using System.Globalization;
using System.Text;

namespace Ded.Display;

/// <summary>
/// Text from models, questions and files made safe to show: every character a terminal (or a Markdown viewer) could
/// act on is written visibly instead, <c>\u001b</c> for ESC. That covers C0 and C1 controls (clear screen, window titles,
/// OSC 8 hyperlinks, CSI from U+009B), DEL, Unicode format characters (bidi overrides and isolates, zero-width
/// characters, U+FEFF), line and paragraph separators, and unpaired surrogates. Backslashes are left alone (LaTeX stays
/// readable), so a literal "\u001b" in the text reads the same as an escaped ESC: visible either way, never acted on.
/// </summary>
public static class TerminalText
{
    /// <summary>Multi-line text: newlines (CRLF read as one) and tabs stay; everything else unsafe is escaped.</summary>
    public static string Block(string text) => Escape(text, isLayoutKept: true);

    /// <summary>One line: newlines and tabs are escaped too (<c>\n</c>, <c>\t</c>), so text cannot forge lines or columns.</summary>
    public static string Line(string text) => Escape(text, isLayoutKept: false);

    private static string Escape(string text, bool isLayoutKept)
    {
        int first = 0;
        while (first < text.Length && !NeedsWork(text, first, isLayoutKept)) first++;
        if (first == text.Length) return text;
        var safe = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var rune = new Rune(c, text[++i]);
                if (IsUnsafe(Rune.GetUnicodeCategory(rune))) safe.Append(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}");
                else safe.Append(c).Append(text[i]);
            }
            else if (c == '\r' && isLayoutKept && i + 1 < text.Length && text[i + 1] == '\n') { } // CRLF: the LF follows
            else if (!IsUnsafe(c, isLayoutKept)) safe.Append(c);
            else safe.Append(c switch { '\n' => "\\n", '\t' => "\\t", '\r' => "\\r", _ => $"\\u{(int)c:x4}" });
        }
        return safe.ToString();
    }

    /// <summary>Whether the character at <paramref name="i"/> starts anything to escape (or a pair to look at).</summary>
    private static bool NeedsWork(string text, int i, bool isLayoutKept) =>
        char.IsSurrogate(text[i]) || IsUnsafe(text[i], isLayoutKept);

    private static bool IsUnsafe(char c, bool isLayoutKept) => c switch
    {
        '\n' or '\t' => !isLayoutKept,
        < ' ' or '\u007f' => true,
        < '\u0080' => false,
        _ => IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(c)), // C1 controls, format characters, separators, lone surrogates
    };

    private static bool IsUnsafe(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
}
