using System.Text.RegularExpressions;

namespace Ded.Verification.Code;

/// <summary>Finds the program in a model's response: the last fenced Python block after the reasoning.</summary>
public static partial class ProgramExtractor
{
    // A fence opens a line: ``` plus an optional language tag; it closes at the next line that starts with ```.
    [GeneratedRegex(@"^[ \t]*```[ \t]*([A-Za-z0-9_+\-]*)[^\n]*\n(.*?)^[ \t]*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    private static readonly string[] ReasoningEnds = ["</think>", "<|end_of_thought|>"];

    /// <summary>The program, or null when there is none (verdict `no_code`). A response without any fence is taken
    /// as a bare program; an unclosed `&lt;think&gt;` means the model never answered.</summary>
    public static string? Extract(string response)
    {
        var answer = AfterReasoning(response);
        if (answer is null)
            return null;
        string? last = null;
        var sawFence = false;
        foreach (Match m in Fence().Matches(answer))
        {
            sawFence = true;
            var language = m.Groups[1].Value.ToLowerInvariant();
            if (language is "" or "python" or "python3" or "py")
                last = m.Groups[2].Value;
        }
        if (sawFence || answer.Contains("```", StringComparison.Ordinal))
            return string.IsNullOrWhiteSpace(last) ? null : last;
        return string.IsNullOrWhiteSpace(answer) ? null : answer;
    }

    private static string? AfterReasoning(string response)
    {
        foreach (var end in ReasoningEnds)
        {
            var at = response.LastIndexOf(end, StringComparison.Ordinal);
            if (at >= 0)
                return response[(at + end.Length)..].TrimStart('\r', '\n');
        }
        var opened = response.Contains("<think>", StringComparison.Ordinal)
            || response.Contains("<|begin_of_thought|>", StringComparison.Ordinal);
        return opened ? null : response;
    }
}
