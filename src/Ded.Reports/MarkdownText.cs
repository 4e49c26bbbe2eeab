using System.Text;
using Ded.Display;

namespace Ded.Reports;

/// <summary>
/// Any text (model, question, recipe or metrics.json text) as one inline run of report.md that renders as exactly that
/// text: no raw HTML, links, images, emphasis, code or math, no broken table row, no terminal escape
/// (<see cref="TerminalText.Line"/> first, so it also stays on its line). Link syntax needs <c>](</c> and every foreign
/// run starts mid-line (after <c>| </c>, <c>**</c> or a heading's words), so it can never open a reference definition,
/// a block or a heading. Text that bare-URL autolinkers would link (<c>://</c>, <c>www.</c>, <c>@</c>) goes in a code
/// span, which no renderer links.
/// </summary>
internal static class MarkdownText
{
    private const string Active = "\\`*_<>&|~$"; // CommonMark lets a backslash escape any ASCII punctuation (spec §2.4)

    public static string Inline(string text)
    {
        var line = TerminalText.Line(text);
        return IsLinkLike(line) ? CodeSpan(line) : Escaped(line);
    }

    private static bool IsLinkLike(string line) =>
        line.Contains("://", StringComparison.Ordinal) || line.Contains("www.", StringComparison.OrdinalIgnoreCase) || line.Contains('@');

    private static string Escaped(string line)
    {
        var md = new StringBuilder(line.Length + 8);
        for (int i = 0; i < line.Length; i++)
        {
            if (Active.Contains(line[i]) || (line[i] == '(' && i > 0 && line[i - 1] == ']')) md.Append('\\');
            md.Append(line[i]);
        }
        return md.ToString();
    }

    /// <summary>A code span fenced by one more backquote than the text's longest run (spec §6.1); pipes stay escaped,
    /// which GitHub's tables require even inside code.</summary>
    private static string CodeSpan(string line)
    {
        int longest = 0;
        for (int i = 0, run = 0; i < line.Length; i++) longest = Math.Max(longest, run = line[i] == '`' ? run + 1 : 0);
        var fence = new string('`', longest + 1);
        var pad = line.StartsWith('`') || line.EndsWith('`') || line.StartsWith(' ') ? " " : "";
        return fence + pad + line.Replace("|", "\\|") + pad + fence;
    }
}
