namespace Ded.Data.Pools;

/// <summary>Reads the content of the last <c>\boxed{…}</c> (or <c>\fbox{…}</c>) of a solution, braces balanced.</summary>
internal static class BoxedAnswer
{
    public static string? Last(string text)
    {
        var at = Math.Max(text.LastIndexOf("\\boxed{", StringComparison.Ordinal), text.LastIndexOf("\\fbox{", StringComparison.Ordinal));
        if (at < 0) return null;
        var open = text.IndexOf('{', at);
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text[(open + 1)..i].Trim();
        }
        return null; // unbalanced: no answer rather than a truncated one
    }
}
