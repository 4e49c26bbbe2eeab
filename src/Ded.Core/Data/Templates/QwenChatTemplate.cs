using System.Text;

namespace Ded.Data.Templates;

/// <summary>
/// ChatML as Qwen writes it: <c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;\n</c>. With thinking (Qwen3's template,
/// no tools): assistant turns after the last user turn carry <c>&lt;think&gt;\n{reasoning}\n&lt;/think&gt;\n\n{answer}</c>
/// (always for the last turn, even with empty reasoning); earlier assistant turns keep only the answer.
/// </summary>
internal sealed class QwenChatTemplate(bool isThinking) : ChatTemplate
{
    public override string Name => isThinking ? "qwen3" : "chatml";
    public override string LlamaFactoryName => isThinking ? "qwen3" : "qwen";

    private protected override void Render(IReadOnlyList<ChatMessage> messages, StringBuilder text)
    {
        var lastQuery = LastUserIndex(messages);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role != "assistant")
            {
                text.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
                continue;
            }
            text.Append("<|im_start|>assistant\n");
            if (!isThinking) { text.Append(m.Content).Append("<|im_end|>\n"); continue; }
            var (reasoning, answer) = m.SplitReasoning();
            if (i > lastQuery && (i == messages.Count - 1 || reasoning.Length > 0))
                text.Append("<think>\n").Append(reasoning.Trim('\n')).Append("\n</think>\n\n").Append(answer.TrimStart('\n'));
            else
                text.Append(answer);
            text.Append("<|im_end|>\n");
        }
    }

    // Enable_thinking defaults to true: the prompt ends at the role line and the model opens <think> itself.
    private protected override void AppendGenerationPrompt(StringBuilder text) => text.Append("<|im_start|>assistant\n");

    private static int LastUserIndex(IReadOnlyList<ChatMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
            if (messages[i].Role == "user") return i;
        return messages.Count - 1;
    }
}
