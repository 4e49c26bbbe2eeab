
namespace Ded.Lab;

/// <summary>Reads the final answer out of a response the way the lab's exact-answer verifier does.</summary>
public static class LabAnswers
{
    /// <summary>The content of the last <c>\boxed{...}</c> (nested braces allowed), trimmed; null when there is none or it is unclosed.</summary>
    public static string? ExtractBoxed(string response)
    {
        int start = response.LastIndexOf(@"\boxed{", StringComparison.Ordinal);
        if (start < 0) return null;
        int open = start + @"\boxed{".Length, depth = 1;
        for (int i = open; i < response.Length; i++)
        {
            if (response[i] == '{') depth++;
            else if (response[i] == '}' && --depth == 0) return response[open..i].Trim();
        }
        return null;
    }
}
