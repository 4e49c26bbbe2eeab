namespace Ded.Data.Dedup;

/// <summary>
/// The normal form that dedup and decontamination compare, so that trivial rewordings meet:
/// <list type="number">
/// <item>lowercase (invariant culture);</item>
/// <item>LaTeX spacing and sizing commands dropped, in any case: <c>\, \; \: \! \␣ \quad \qquad \left \right \displaystyle
/// \textstyle \big \Big \bigg \Bigg \bigl \bigr \Bigl \Bigr \biggl \biggr</c> (they change layout, not the problem);</item>
/// <item>every character that is not a letter or digit (punctuation, <c>$</c>, braces, operators, the backslash of
/// other commands, surrogate pairs) becomes a separator, so <c>\frac{1}{2}</c> reads <c>frac 1 2</c>;</item>
/// <item>with <paramref name="removeDigits"/>, digits are deleted (Light-R1's "exact after removing digits");</item>
/// <item>runs of separators collapse to one space; no leading or trailing space.</item>
/// </list>
/// Tokens are then the space-separated words of the normal form.
/// </summary>
public static class TextNormalizer
{
    // Matched ignoring case, so an upper-cased problem (\LEFT) still drops them.
    private static readonly string[] DroppedCommands =
        ["quad", "qquad", "left", "right", "displaystyle", "textstyle", "big", "bigg", "bigl", "bigr", "biggl", "biggr"];

    /// <summary>The normal form of <paramref name="text"/> as a new string (tests, evidence); hot paths use the span overload.</summary>
    public static string Normalize(string text, bool removeDigits = false)
    {
        var buffer = new char[text.Length];
        return new string(buffer, 0, Normalize(text, buffer, removeDigits));
    }

    /// <summary>Writes the normal form of <paramref name="text"/> into <paramref name="destination"/> (at least as long as the text) and returns its length.</summary>
    public static int Normalize(ReadOnlySpan<char> text, Span<char> destination, bool removeDigits = false)
    {
        var length = 0;
        var pendingSpace = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                i = SkipCommand(text, i, out var isDropped);
                if (isDropped) { pendingSpace = true; continue; }
                c = text[i]; // first letter of a kept command: a new word
                pendingSpace = true;
            }
            if (char.IsDigit(c) && removeDigits) continue;
            if (!char.IsLetterOrDigit(c)) { pendingSpace = true; continue; }
            if (pendingSpace && length > 0) destination[length++] = ' ';
            pendingSpace = false;
            destination[length++] = char.ToLowerInvariant(c);
        }
        return length;
    }

    // At a backslash: returns the index of the command's first letter (kept command) or of its last char (dropped).
    private static int SkipCommand(ReadOnlySpan<char> text, int backslash, out bool isDropped)
    {
        var next = text[backslash + 1];
        if (next is ',' or ';' or ':' or '!' or ' ')
        {
            isDropped = true;
            return backslash + 1;
        }
        var end = backslash + 1;
        while (end < text.Length && char.IsAsciiLetter(text[end])) end++;
        var name = text[(backslash + 1)..end];
        isDropped = name.Length > 0 && IsDropped(name);
        return isDropped ? end - 1 : name.Length > 0 ? backslash + 1 : backslash;
    }

    private static bool IsDropped(ReadOnlySpan<char> name)
    {
        foreach (var dropped in DroppedCommands)
            if (name.Equals(dropped, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
