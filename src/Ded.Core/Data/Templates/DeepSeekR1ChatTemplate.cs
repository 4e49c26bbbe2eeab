using System.Text;

namespace Ded.Data.Templates;

/// <summary>
/// DeepSeek-R1(-Distill): <c>&lt;｜begin▁of▁sentence｜&gt;{system}&lt;｜User｜&gt;…&lt;｜Assistant｜&gt;…&lt;｜end▁of▁sentence｜&gt;</c>.
/// Earlier assistant turns lose their reasoning (the official template keeps only the text after <c>&lt;/think&gt;</c>);
/// the generation prompt pre-fills <c>&lt;think&gt;\n</c>, so the final (trained) assistant turn is rendered as
/// <c>&lt;think&gt;\n{reasoning}\n&lt;/think&gt;\n\n{answer}</c> to continue it exactly.
/// </summary>
internal sealed class DeepSeekR1ChatTemplate : ChatTemplate
{
    private const string Bos = "<｜begin▁of▁sentence｜>";
    private const string Eos = "<｜end▁of▁sentence｜>";

    public override string Name => "deepseek-r1";
    public override string LlamaFactoryName => "deepseekr1";

    private protected override void Render(IReadOnlyList<ChatMessage> messages, StringBuilder text)
    {
        text.Append(Bos);
        foreach (var m in messages)
            if (m.Role == "system") text.Append(m.Content);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role == "user") text.Append("<｜User｜>").Append(m.Content);
            else if (m.Role == "assistant") AppendAssistant(m, isFinal: i == messages.Count - 1, text);
        }
    }

    private static void AppendAssistant(ChatMessage m, bool isFinal, StringBuilder text)
    {
        text.Append("<｜Assistant｜>");
        if (isFinal)
        {
            var (reasoning, answer) = m.SplitReasoning();
            text.Append("<think>\n").Append(reasoning.Trim('\n')).Append("\n</think>\n\n").Append(answer.TrimStart('\n'));
        }
        else
        {
            // As the official template: content.split('</think>')[-1], untrimmed.
            var close = m.Content.LastIndexOf("</think>", StringComparison.Ordinal);
            text.Append(m.Reasoning is not null || close < 0 ? m.Content : m.Content[(close + "</think>".Length)..]);
        }
        text.Append(Eos);
    }

    private protected override void AppendGenerationPrompt(StringBuilder text) => text.Append("<｜Assistant｜><think>\n");
}
