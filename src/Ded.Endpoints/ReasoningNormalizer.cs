using System.Text;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>A teacher answer split into reasoning and final answer, plus the one trajectory form Ded stores.</summary>
/// <param name="Reasoning">The chain of thought, trimmed; empty when the model gave none.</param>
/// <param name="Answer">The text after the reasoning, trimmed.</param>
/// <param name="FullText"><c>&lt;think&gt;\n{Reasoning}\n&lt;/think&gt;\n\n{Answer}</c>, or just the answer when there is no reasoning.</param>
/// <param name="IsReasoningClosed">False when a <c>&lt;think&gt;</c> was opened and never closed (a truncated answer).</param>
public sealed record NormalizedReasoning(string Reasoning, string Answer, string FullText, bool IsReasoningClosed);

/// <summary>
/// Brings the two ways engines return reasoning into one form: a separate <c>reasoning_content</c> field
/// (vLLM and SGLang reasoning parsers, DeepSeek; <see cref="TextReasoningContent"/> in Microsoft.Extensions.AI)
/// and inline <c>&lt;think&gt;…&lt;/think&gt;</c> in the text (engines without a parser; Qwen3 templates that put the
/// opening tag in the prompt send only the closing one).
/// </summary>
public static class ReasoningNormalizer
{
    private const string Open = "<think>", Close = "</think>";

    /// <summary>Normalizes the last assistant message of <paramref name="response"/>.</summary>
    public static NormalizedReasoning Normalize(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var reasoning = new StringBuilder();
        var text = new StringBuilder();
        foreach (var message in response.Messages)
            foreach (var content in message.Contents)
                if (content is TextReasoningContent r) reasoning.Append(r.Text);
                else if (content is TextContent t) text.Append(t.Text);
        return Normalize(reasoning.ToString(), text.ToString());
    }

    /// <summary>Normalizes a separate reasoning field (may be empty) and an answer text that may hold inline think tags.</summary>
    public static NormalizedReasoning Normalize(string reasoningContent, string text)
    {
        var (inline, answer, closed) = SplitInline(text);
        var reasoning = (reasoningContent.Trim() + "\n" + inline).Trim();
        var full = reasoning.Length == 0 ? answer : $"{Open}\n{reasoning}\n{Close}\n\n{answer}";
        return new NormalizedReasoning(reasoning, answer, full, closed);
    }

    private static (string Reasoning, string Answer, bool Closed) SplitInline(string text)
    {
        var close = text.IndexOf(Close, StringComparison.Ordinal);
        var open = text.IndexOf(Open, StringComparison.Ordinal);
        if (close >= 0)
        {
            var start = open >= 0 && open < close ? open + Open.Length : 0;
            return (text[start..close].Trim(), text[(close + Close.Length)..].Trim(), true);
        }
        if (open >= 0) return (text[(open + Open.Length)..].Trim(), text[..open].Trim(), false); // cut inside the reasoning
        return ("", text.Trim(), true);
    }
}
