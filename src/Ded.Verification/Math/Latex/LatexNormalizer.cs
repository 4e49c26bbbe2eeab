using System.Text;
using System.Text.RegularExpressions;

namespace Ded.Verification.Math.Latex;

/// <summary>String-level clean-up before parsing, mirroring Math-Verify's NormalizationConfig (basic_latex, units,
/// malformed operators, nits, equations): spacing macros, \left/\right, degrees, percent, currency, thousands
/// separators, "and"/"or" lists, \approx chains.</summary>
internal static partial class LatexNormalizer
{
    public static string Normalize(string input)
    {
        if (input.Length > Budget.MaxAnswerChars) throw new TooLargeException("answer longer than " + Budget.MaxAnswerChars);
        var s = CollapseEscapedCommands(input);
        s = Whitespace().Replace(s, " ");
        s = DigitGroupComma().Replace(s, ",");
        s = ThinSpacing().Replace(s, "");
        s = Spacing().Replace(s, " ");
        s = LeftRight().Replace(s, "");
        s = s.Replace("\\left.", "").Replace("\\right.", "").Replace("\\left", "").Replace("\\right", "");
        s = FracVariants().Replace(s, "\\frac");
        s = Degrees().Replace(s, "");
        s = s.Replace("\\%", "").Replace("%", "").Replace("\\$", "").Replace("$", "").Replace("€", "").Replace("£", "");
        s = PercentWords().Replace(s, "");
        s = UnitWords().Replace(s, "");
        s = s.Replace('−', '-').Replace('–', '-').Replace('⋅', '*').Replace("∈", "\\in ");
        s = BracedComma().Replace(s, "").Replace("²", "^2").Replace("³", "^3");
        s = Thousands().Replace(s, m => m.Value.Replace(",", ""));
        s = TextConnector().Replace(s, ",");
        s = WordConnector().Replace(s, ",");
        s = GluedConnector().Replace(s, ",");
        s = RepeatedCommas().Replace(s, ",");
        s = Implies().Split(s)[^1];
        s = CutApprox(s);
        s = s.Trim().TrimEnd('.', ',', ';', ' ', '\\').TrimStart(',', ';', ' ');
        return s;
    }

    /// <summary>`\\frac` (an escaped backslash left in JSON-quoted text) → `\frac`; a real row break `\\` stays.</summary>
    private static string CollapseEscapedCommands(string s)
    {
        if (!s.Contains("\\\\")) return s;
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 2 < s.Length && s[i + 1] == '\\' && char.IsAsciiLetter(s[i + 2])
                && !s.AsSpan(i + 2).StartsWith("end") && !InsideMatrix(s, i))
            {
                continue; // drop one backslash
            }
            if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] == '\\') { sb.Append("\\\\"); i++; continue; }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool InsideMatrix(string s, int at)
    {
        var open = s.LastIndexOf("\\begin", at, StringComparison.Ordinal);
        if (open < 0) return false;
        var close = s.LastIndexOf("\\end", at, StringComparison.Ordinal);
        return close < open;
    }

    /// <summary>`x = 1/3 \approx 0.33` keeps the exact side; `x \approx 11` keeps 11.</summary>
    private static string CutApprox(string s)
    {
        var i = s.IndexOf("\\approx", StringComparison.Ordinal);
        if (i < 0) return s;
        var before = s[..i];
        return before.Contains('=') ? before : s[(i + "\\approx".Length)..];
    }

    [GeneratedRegex(@"\s+")] private static partial Regex Whitespace();
    [GeneratedRegex(@"(?<!\\)\\[,;:!]")] private static partial Regex ThinSpacing();
    [GeneratedRegex(@"(?<=\d),\\!\s*(?=\d)")] private static partial Regex DigitGroupComma();
    [GeneratedRegex(@"\s*\{\s*,\s*\}\s*")] private static partial Regex BracedComma();
    [GeneratedRegex(@",(?:\s*,)+")] private static partial Regex RepeatedCommas();
    [GeneratedRegex(@"(?<!\\)\\ |\\q?quad\b|\\displaystyle|\\limits|\\hspace\{[^}]*\}|\\(?:big|Big|bigg|Bigg)[lr]?\b|~")] private static partial Regex Spacing();
    [GeneratedRegex(@"\\(?:left|right)(?=[\(\)\[\]\|\\])")] private static partial Regex LeftRight();
    [GeneratedRegex(@"\\[dtc]frac")] private static partial Regex FracVariants();
    [GeneratedRegex(@"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree|°|\^\s*\{\s*o\s*\}")] private static partial Regex Degrees();
    // why: Math-Verify's units normalization; single letters (m, g, s) stay, they are usually variables.
    [GeneratedRegex(@"(?<=[\d}]\s*)(?:square\s+|sq\.?\s+|cubic\s+)?(?:cm|mm|km|meters?|metres?|inch(?:es)?|feet|foot|ft|miles?|units?|dollars?|cents?|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|degrees?|kg|grams?|pounds?|lbs?|ounces?|oz|yuan|liters?|litres?|ml|mph|km/h|points?|people|persons?|students?|ways?|times)\b(?:\s*\^\s*\{?\s*[23]\s*\}?)?")] private static partial Regex UnitWords();
    [GeneratedRegex(@"(?<=\d\s*)(?:percentage|percent|pct)\b|\\text\{\s*(?:percent|pct)\s*\}")] private static partial Regex PercentWords();
    [GeneratedRegex(@"(?<![\d(\[{,;.]\s*)\d{1,3}(?:,\d{3})+(?!\d)")] private static partial Regex Thousands();
    [GeneratedRegex(@"\\(?:text|textbf|mbox|mathrm)\{\s*(?:and|or|,)\s*\}")] private static partial Regex TextConnector();
    [GeneratedRegex(@"(?<![A-Za-z\\])(?:and|or)(?![A-Za-z])")] private static partial Regex WordConnector();
    // why: spaces are often lost in extracted answers: `W(x)=1orW(x)=-1`.
    [GeneratedRegex(@"(?<=[\d)])(?:or|and)(?=[A-Z(\\])")] private static partial Regex GluedConnector();
    [GeneratedRegex(@"\\Rightarrow|\\implies|\\Longrightarrow")] private static partial Regex Implies();
}
