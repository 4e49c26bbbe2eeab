using System.Text.RegularExpressions;

namespace Ded.Verification.Math;

/// <summary>Finds the final answer in a model output. Candidates come in this order and the verifier uses the first
/// one that parses (Math-Verify's first-match fallback):
/// <list type="number">
/// <item>Reasoning is dropped: text after the last <c>&lt;/think&gt;</c>, or inside <c>&lt;|begin_of_solution|&gt;</c>
/// (or after <c>&lt;|end_of_thought|&gt;</c>); an unclosed block is kept, as it may hold the only answer.</item>
/// <item>The later of: the last <c>\boxed{}</c>/<c>\fbox{}</c> group (adjacent boxes joined only by "and", commas or
/// a few words form one list; a repeated box is one answer), and the last "final answer is …" phrase.</item>
/// <item>(LaTeX) math spans <c>$$…$$</c>, <c>\[…\]</c>, <c>$…$</c>, <c>\(…\)</c> (inline spans may not cross a line
/// break) and (Expr) plain numbers or simple arithmetic ("1,000.99", "10/9"), not glued to letters, ranked as
/// Math-Verify ranks matches of one priority: the one ending last first. A number inside a span (after a space or
/// "=") ends before it, so it is tried only when the span does not parse (<c>$? just about 1$</c> reads 1).</item>
/// <item>A short text with no delimiters at all is read whole (MATH-500's bare golds such as <c>2\sqrt{3}</c>).</item>
/// </list>
/// In <see cref="MathExtraction.Choice"/> mode a letter A–E is found instead (boxed, "answer is X", a leading "X.",
/// then the last standalone capital).</summary>
public static partial class MathAnswerExtractor
{
    private const int MaxSpans = 6;        // math spans tried from the end
    private const int MaxBareChars = 300;  // longer undelimited text is prose, not an answer
    private const int MaxTailChars = 8_000;  // regex stages scan only the end: answers come last, and bounded work
                                             // keeps a megabyte of adversarial delimiters linear

    /// <summary>Answer candidates in priority order (possibly empty).</summary>
    /// <param name="boxedPriority">Math-Verify's <c>boxed_match_priority</c>: below 50 a box beats a later "final answer
    /// is" phrase, above 50 (or -1, boxes off) the phrase beats a later box, at 50 the later of the two wins.</param>
    public static IReadOnlyList<string> Extract(string text, MathExtraction mode, int boxedPriority = MathVerifyOptions.DefaultBoxedPriority) =>
        Candidates(text, mode, boxedPriority).ToList();

    /// <summary>Candidates produced lazily, stage by stage: the verifier stops at the first that parses, so a boxed
    /// answer never pays for scanning the rest of a long output.</summary>
    internal static IEnumerable<string> Candidates(string text, MathExtraction mode, int boxedPriority = MathVerifyOptions.DefaultBoxedPriority)
    {
        if (text.Length > Budget.MaxInputChars) throw new TooLargeException("input longer than " + Budget.MaxInputChars);
        var body = StripReasoning(text);
        if (mode == MathExtraction.Choice)
        {
            if (ExtractChoice(body) is { } letter) yield return letter;
            yield break;
        }
        var latex = mode != MathExtraction.Expr;
        var expr = mode != MathExtraction.Latex;
        var boxes = BoxedContents(body);
        var tail = body.Length > MaxTailChars ? body[^MaxTailChars..] : body;
        foreach (var c in BoxedOrFinal(body, tail, boxes, latex, boxedPriority)) yield return c;
        var trimmed = body.Trim();
        var bare = trimmed.Length > 0 && trimmed.Length <= MaxBareChars && !trimmed.Contains('\n') && !HasDelimiters(trimmed)
            && Prose().Matches(StripCommands().Replace(trimmed, " ")).Count < 2;
        if (bare && latex) yield return trimmed;
        // why: Math-Verify ranks LaTeX spans and plain expressions of equal priority by position, last first.
        var offset = body.Length - tail.Length;
        body = tail;
        var mathSpans = MathSpans(body);
        var spans = new List<(int At, int End, string Content)>();
        if (latex) spans.AddRange(GroupedMathSpans(body, mathSpans));
        if (expr)
        {
            // why: inside a span or a box, Math-Verify's number pattern needs a space or "=" before it (its prefix
            // `(?:^|\s|=)`); outside, ours (not glued to letters) holds.
            var covered = mathSpans.Select(x => (x.At, x.End)).Concat(boxes.Select(b => (At: b.Start - offset, End: b.End - offset))).ToList();
            spans.AddRange(PlainExpressions(body).Where(p =>
                !covered.Any(c => p.At >= c.At && p.At < c.End) || (p.At > 0 && (char.IsWhiteSpace(body[p.At - 1]) || body[p.At - 1] == '='))));
        }
        foreach (var span in spans.OrderByDescending(x => x.End).ThenBy(x => x.At).Take(MaxSpans)) yield return span.Content;
        if (bare && !latex) yield return trimmed;
    }

    /// <summary>The letter a multiple-choice answer names, upper case, or null.</summary>
    public static string? ExtractChoice(string text)
    {
        var body = StripReasoning(text);
        foreach (var box in BoxedContents(body).AsEnumerable().Reverse())
            if (ChoiceLetter().Match(box.Content) is { Success: true } m) return m.Groups[1].Value.ToUpperInvariant();
        if (AnswerIsLetter().Matches(body) is { Count: > 0 } ms) return ms[^1].Groups[1].Value.ToUpperInvariant();
        if (LeadingLetter().Match(body) is { Success: true } lead) return lead.Groups[1].Value;
        var all = StandaloneLetter().Matches(body);
        return all.Count > 0 ? all[^1].Groups[1].Value : null;
    }

    internal static bool HasDelimiters(string s) =>
        UnescapedDollar().IsMatch(s) || s.Contains("\\(") || s.Contains("\\[") || s.Contains("\\boxed") || s.Contains("\\fbox");

    internal static string StripReasoning(string text)
    {
        var s = text;
        var think = s.LastIndexOf("</think>", StringComparison.Ordinal);
        if (think >= 0) s = s[(think + 8)..];
        var sol = s.IndexOf("<|begin_of_solution|>", StringComparison.Ordinal);
        if (sol >= 0)
        {
            var end = s.IndexOf("<|end_of_solution|>", sol, StringComparison.Ordinal);
            var inner = end > sol ? s[(sol + 21)..end] : s[(sol + 21)..];
            if (inner.Contains("\\boxed") || inner.Contains('$') || inner.Trim().Length > 0) s = inner;
        }
        else
        {
            var thought = s.LastIndexOf("<|end_of_thought|>", StringComparison.Ordinal);
            if (thought >= 0) s = s[(thought + 18)..];
        }
        var im = s.IndexOf("<|im_start|>", StringComparison.Ordinal);
        if (im > 0) s = s[..im];
        return s;
    }

    /// <summary>The box group and the "final answer is" phrase, in Math-Verify's order: lower priority first, and of
    /// equal priority the one that ends later (the phrase is priority 50, or 0 when "I hope" follows it).</summary>
    private static List<string> BoxedOrFinal(string body, string tail, List<Box> boxes, bool latex, int boxedPriority)
    {
        var result = new List<string>();
        var group = LastBoxGroup(body, boxes);
        var finals = FinalAnswer().Matches(tail);
        var final = finals.Count > 0 ? finals[^1] : null;
        var boxStart = group.Count > 0 ? group[0].Start : -1;
        var finalCandidates = final is null ? [] : FinalAnswerCandidates(final.Groups[1].Value, latex);
        var boxCandidate = group.Count == 0 ? null : string.Join(", ", group.Select(b => b.Content));
        var finalPriority = final is not null && Hope().IsMatch(tail.AsSpan(final.Index + final.Length)) ? 0 : 50;
        var boxPriority = boxedPriority < 0 ? int.MaxValue : boxedPriority;
        if (final is not null && (boxCandidate is null || finalPriority < boxPriority
                                  || finalPriority == boxPriority && final.Index + (body.Length - tail.Length) > boxStart))
        {
            result.AddRange(finalCandidates);
            if (boxCandidate is not null) result.Add(boxCandidate);
        }
        else
        {
            if (boxCandidate is not null) result.Add(boxCandidate);
            result.AddRange(finalCandidates);
        }
        return result;
    }

    private static List<string> FinalAnswerCandidates(string segment, bool latex)
    {
        var list = new List<string>();
        var boxed = BoxedContents(segment);
        if (boxed.Count > 0) list.Add(boxed[^1].Content);
        var isAt = segment.LastIndexOf(" is ", StringComparison.Ordinal);
        var tail = isAt >= 0 ? segment[(isAt + 4)..] : segment;
        var spans = MathSpans(tail);
        if (latex && spans.Count > 0) list.Add(GroupedMathSpans(tail, spans).Last().Content);
        var plain = Regex.Replace(tail, @"\\\(|\\\)|\\\[|\\\]|\$", "").Trim().TrimEnd('.');
        if (!Words().IsMatch(StripCommands().Replace(plain, ""))) list.Add(plain);
        if (PlainExpressions(tail) is { Count: > 0 } nums) list.Add(nums[^1].Content);
        return list;
    }

    /// <summary>Math spans; the last one absorbs earlier ones joined only by "and"/"or"/commas (`$1$ and $2$`).</summary>
    private static IEnumerable<(int At, int End, string Content)> GroupedMathSpans(string body, List<(int At, int End, string Content)> spans)
    {
        var plain = spans.Select(x => (x.At, x.End, x.Content));
        if (spans.Count < 2) return plain;
        var first = spans.Count - 1;
        while (first > 0)
        {
            var gap = body[spans[first - 1].End..spans[first].At];
            if (gap.Length > 40 || Words().IsMatch(Connectors().Replace(gap, " "))) break;
            first--;
        }
        if (first == spans.Count - 1) return plain;
        var joined = string.Join(", ", spans.Skip(first).Select(x => x.Content));
        return plain.Take(first).Append((spans[first].At, spans[^1].End, joined));
    }

    /// <summary>Plain numbers and simple expressions, with thousands separators removed and decimal commas read.</summary>
    internal static List<(int At, int End, string Content)> PlainExpressions(string text)
    {
        var list = new List<(int, int, string)>();
        foreach (Match m in PlainExpression().Matches(text))
            list.Add((m.Index, m.Index + m.Length, PlainNumber().Replace(m.Value, n => NormalizeNumber(n.Value))));
        return list;
    }

    private static string NormalizeNumber(string n)
    {
        if (ThousandsNumber().IsMatch(n)) return n.Replace(",", "").Replace(" ", "");
        return n.Replace(',', '.');
    }

    internal static List<(int At, int End, string Content)> MathSpans(string text)
    {
        var list = new List<(int At, int End, string Content)>();
        foreach (Match m in MathSpan().Matches(text))
        {
            var g = m.Groups.Cast<Group>().Skip(1).First(x => x.Success);
            if (g.Value.Trim().Length > 0) list.Add((m.Index, m.Index + m.Length, g.Value));
        }
        return list;
    }

    internal sealed record Box(int Start, int End, string Content);

    internal static List<Box> BoxedContents(string text)
    {
        var list = new List<Box>();
        var i = 0;
        while (true)
        {
            var b = text.IndexOf("\\boxed", i, StringComparison.Ordinal);
            var f = text.IndexOf("\\fbox", i, StringComparison.Ordinal);
            var at = b < 0 ? f : f < 0 ? b : System.Math.Min(b, f);
            if (at < 0) return list;
            var open = at + (at == b ? 6 : 5);
            while (open < text.Length && text[open] == ' ') open++;
            if (open >= text.Length || text[open] != '{') { i = open; continue; }
            var close = MatchBrace(text, open);
            if (close < 0) { list.Add(new Box(at, text.Length, text[(open + 1)..])); return list; }
            list.Add(new Box(at, close + 1, text[(open + 1)..close]));
            i = close + 1;
        }
    }

    private static int MatchBrace(string s, int open)
    {
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            if (s[i] == '\\') { i++; continue; }
            if (s[i] == '{') depth++;
            else if (s[i] == '}' && --depth == 0) return i;
        }
        return -1;
    }

    /// <summary>
    /// The last box and the boxes before it joined only by connectors ("and", commas, ≤ 3 words). A box repeating the
    /// one after it is the same answer, read once, as Math-Verify 0.8.0 reads it (its issue #44:
    /// <c>\boxed{840}. … \boxed{840}</c> is 840, not {840, 840}; huggingface/latex2sympy2_extended@040ae77
    /// math_normalization.py extract_boxed_content). Where Math-Verify would also join different boxes across up to 70
    /// characters of prose holding a comma ("\boxed{7}, but that fails …, so \boxed{2}"), Ded keeps the last.
    /// </summary>
    private static List<Box> LastBoxGroup(string text, List<Box> boxes)
    {
        var group = new List<Box>();
        var (nextStart, nextContent) = (-1, (string?)null);
        for (var i = boxes.Count - 1; i >= 0; i--)
        {
            var content = boxes[i].Content.Trim();
            if (nextContent is not null)
            {
                var gap = text[boxes[i].End..System.Math.Max(boxes[i].End, nextStart)];
                if (gap.Length > 80 || Words().Matches(Connectors().Replace(gap, " ")).Count > 3) break;
                nextStart = boxes[i].Start;
                if (content == nextContent) continue;
            }
            group.Insert(0, boxes[i]);
            (nextStart, nextContent) = (boxes[i].Start, content);
        }
        return group;
    }

    [GeneratedRegex(@"(?is)final\s+answer\s*(?:is)?\s*[:：]?\s*(.{1,400}?)(?=\.\s|\.$|\n|I hope|$)")] private static partial Regex FinalAnswer();
    [GeneratedRegex(@"\$\$(.{1,1500}?)\$\$|\\\[(.{1,1500}?)\\\]|(?<![\\$])\$((?:\\\$|[^$\n]){1,500}?)(?<!\\)\$|\\\(([^\n]{1,500}?)\\\)", RegexOptions.Singleline)] private static partial Regex MathSpan();
    [GeneratedRegex(@"(?<![A-Za-z\d.,_^{\\])-?(?:[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|[1-9]\d{0,2}(?: \d{3})+(?![\d.,])|\d+(?:[.,]\d+)?|\.\d+)(?:\s*[/*^]\s*-?\d+(?:\.\d+)?)*")] private static partial Regex PlainExpression();
    [GeneratedRegex(@"(?<!\d)(?:[1-9]\d{0,2}(?:[, ]\d{3})+(?:\.\d+)?|(?>\d+),\d+)")] private static partial Regex PlainNumber();
    [GeneratedRegex(@"^[1-9]\d{0,2}(?:(?:,\d{3})+|(?: \d{3})+)(?:\.\d+)?$")] private static partial Regex ThousandsNumber();
    [GeneratedRegex(@"[A-Za-z]{2,}")] private static partial Regex Words();
    [GeneratedRegex(@"^\.?\s?I hope")] private static partial Regex Hope();
    [GeneratedRegex(@"(?<!\\)\$")] private static partial Regex UnescapedDollar();
    [GeneratedRegex(@"\b(?!(?:sin|cos|tan|cot|sec|csc|log|ln|exp|sqrt|pi|or|and)\b)[A-Za-z]{2,}\b")] private static partial Regex Prose();
    [GeneratedRegex(@"\\(?:begin|end)\{[^}]*\}|\\[A-Za-z]+")] private static partial Regex StripCommands();
    [GeneratedRegex(@"\\text\w*|\\q?quad|\\[\(\)\[\]]|\$|\b(?:and|or)\b|[{}(),;.:\\]")] private static partial Regex Connectors();
    [GeneratedRegex(@"^\s*\(?\s*(?:\\text\{)?\s*\(?([A-Ea-e])\)?\s*\}?\s*\)?\s*$")] private static partial Regex ChoiceLetter();
    [GeneratedRegex(@"[Aa]nswer\s*(?:is|:)?\s*:?\s*\(?\$?(?:\\text\{)?\(?([A-E])\b")] private static partial Regex AnswerIsLetter();
    [GeneratedRegex(@"^\s*\(?([A-E])[\.\):]")] private static partial Regex LeadingLetter();
    [GeneratedRegex(@"(?<![A-Za-z])([A-E])(?![A-Za-z])")] private static partial Regex StandaloneLetter();
}
