namespace Ded.Data.Templates;

/// <summary>One chat turn. An assistant turn's reasoning is <see cref="Reasoning"/>, or the text before <c>&lt;/think&gt;</c> in <see cref="Content"/>.</summary>
public sealed record ChatMessage(string Role, string Content)
{
    public string? Reasoning { get; init; }

    public static ChatMessage System(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string content, string? reasoning = null) => new("assistant", content) { Reasoning = reasoning };

    /// <summary>(reasoning, answer) as Qwen3's template splits them: reasoning between the last <c>&lt;think&gt;</c> and the first <c>&lt;/think&gt;</c>, answer after the last <c>&lt;/think&gt;</c>.</summary>
    internal (string Reasoning, string Answer) SplitReasoning()
    {
        if (Reasoning is not null) return (Reasoning, Content);
        var close = Content.IndexOf("</think>", StringComparison.Ordinal);
        if (close < 0) return ("", Content);
        var before = Content[..close].TrimEnd('\n');
        var open = before.LastIndexOf("<think>", StringComparison.Ordinal);
        var reasoning = (open < 0 ? before : before[(open + "<think>".Length)..]).TrimStart('\n');
        var answer = Content[(Content.LastIndexOf("</think>", StringComparison.Ordinal) + "</think>".Length)..].TrimStart('\n');
        return (reasoning, answer);
    }
}
