namespace Ded.Rollouts;

/// <summary>
/// The `&lt;think&gt;…&lt;/think&gt;` structure of a reasoning response. Strict (DED §2): exactly one opening tag
/// before exactly one closing tag, and no other text that starts like either tag (e.g. `&lt;think &gt;`, `&lt;/thinking&gt;`).
/// </summary>
public readonly record struct ThinkBlock(bool IsStrictlyPaired, string Reason, string Reasoning, string AnswerText)
{
    private const string Open = "<think>";
    private const string Close = "</think>";

    public static ThinkBlock Parse(string response)
    {
        int opens = Count(response, Open), closes = Count(response, Close);
        int openLike = Count(response, "<think"), closeLike = Count(response, "</think");
        if (openLike != opens || closeLike != closes)
            return Broken(response, $"malformed tag: {openLike - opens + closeLike - closes} text(s) start like <think> or </think> without being one");
        if (opens != 1 || closes != 1)
            return Broken(response, opens == 0 && closes == 0 ? "no <think> block"
                : $"{opens} <think> and {closes} </think> (need exactly one of each)");
        int start = response.IndexOf(Open, StringComparison.Ordinal), end = response.IndexOf(Close, StringComparison.Ordinal);
        if (end < start)
            return Broken(response, "</think> comes before <think>");
        return new ThinkBlock(true, "one <think> before one </think>",
            response[(start + Open.Length)..end].Trim(), response[(end + Close.Length)..].Trim());
    }

    /// <summary>True when the text has anything that starts like a think tag: the response carried reasoning.</summary>
    public static bool HasThinkTags(string response) =>
        response.Contains("<think", StringComparison.Ordinal) || response.Contains("</think", StringComparison.Ordinal);

    private static ThinkBlock Broken(string response, string reason)
    {
        // Without strict pairing, the answer is what follows the last closing tag, if any.
        int end = response.LastIndexOf(Close, StringComparison.Ordinal);
        return new ThinkBlock(false, reason, "", end < 0 ? response.Trim() : response[(end + Close.Length)..].Trim());
    }

    private static int Count(string text, string tag)
    {
        int n = 0;
        for (int i = text.IndexOf(tag, StringComparison.Ordinal); i >= 0; i = text.IndexOf(tag, i + tag.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
