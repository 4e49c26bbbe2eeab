namespace Ded.Recipes;

/// <summary>
/// When YamlDotNet rejects a recipe, the two mistakes it places badly: a tab in the indentation (it reports the
/// mapping's first line) and an unclosed <c>[</c> or <c>{</c> (it reports the end of the file, or throws
/// InvalidOperationException with no position at all). Found here by a scan that knows quotes and comments.
/// </summary>
internal static class YamlProblems
{
    /// <summary>
    /// The line and what is wrong there, for the failure YamlDotNet described as <paramref name="failure"/> at
    /// <paramref name="failureLine"/> (null for both when it threw without them), or null when neither mistake explains it.
    /// </summary>
    public static (long Line, string Message)? Find(string yaml, string? failure, long? failureLine)
    {
        var lines = yaml.ReplaceLineEndings("\n").Split('\n');
        if (failure?.Contains("tab", StringComparison.OrdinalIgnoreCase) == true) return TabIndent(lines);
        var atTheEnd = failureLine is null || failureLine >= lines.Length - 1;
        return failure is null || failure.Contains("flow", StringComparison.OrdinalIgnoreCase) || atTheEnd ? UnclosedBracket(lines) : null;
    }

    private static (long Line, string Message)? TabIndent(string[] lines)
    {
        for (int i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            if (indent < lines[i].Length && lines[i].AsSpan(0, indent).Contains('\t'))
                return (i + 1, "is indented with a tab; YAML indents with spaces only");
        }
        return null;
    }

    private static (long Line, string Message)? UnclosedBracket(string[] lines)
    {
        var open = new Stack<(char Bracket, int Line)>();
        for (int i = 0; i < lines.Length; i++)
        {
            char quote = '\0';
            foreach (var (c, at) in lines[i].Select((c, at) => (c, at)))
            {
                if (quote != '\0')
                {
                    if (c == quote) quote = '\0';
                    continue;
                }
                if (c is '"' or '\'' && (at == 0 || " \t[{,:".Contains(lines[i][at - 1]))) quote = c; // a quote that starts a scalar
                else if (c == '#' && (at == 0 || char.IsWhiteSpace(lines[i][at - 1]))) break;
                else if (c is '[' or '{') open.Push((c, i + 1));
                else if (c is ']' or '}' && open.Count > 0) open.Pop();
            }
        }
        if (open.Count == 0) return null;
        var (bracket, line) = open.Reverse().First(); // the outermost: where the unfinished list or mapping starts
        return (line, bracket == '[' ? "opens a `[` list that is never closed with `]`" : "opens a `{` mapping that is never closed with `}`");
    }
}
