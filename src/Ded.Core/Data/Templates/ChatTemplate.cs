using System.Text;
using System.Text.Json;

namespace Ded.Data.Templates;

/// <summary>
/// A student's chat template, re-implemented from its Jinja source. One renderer serves the training export (the
/// conversation with its final assistant turn) and the evaluation prompt (the conversation plus the generation
/// prompt), so the training text always starts with exactly the evaluation prompt. A served student's scoring prompt
/// is rendered with it (recipe `student.chat_template`). Hand-written: no .NET library renders Jinja (Fluid and
/// Scriban speak Liquid, not the Hugging Face dialect with namespace() and string methods), and each built-in is a few
/// dozen lines checked against its tokenizer_config.json (ChatTemplateTests).
/// </summary>
public abstract class ChatTemplate
{
    /// <summary>The built-in's name: <c>qwen3</c>, <c>chatml</c> or <c>deepseek-r1</c> (LLaMA-Factory names it via <see cref="LlamaFactoryName"/>).</summary>
    public abstract string Name { get; }

    /// <summary>LLaMA-Factory's <c>template:</c> value for this template.</summary>
    public abstract string LlamaFactoryName { get; }

    /// <summary>The evaluation prompt: the conversation so far and the generation prompt.</summary>
    /// <exception cref="ArgumentException">The conversation is empty or its last turn is the assistant's.</exception>
    public string RenderPrompt(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0 || messages[^1].Role == "assistant")
            throw new ArgumentException("a prompt ends with a user turn", nameof(messages));
        var text = new StringBuilder();
        Render(messages, text);
        AppendGenerationPrompt(text);
        return text.ToString();
    }

    /// <summary>The training text: the whole conversation, whose final assistant turn (reasoning and answer) is the target.</summary>
    /// <exception cref="ArgumentException">The last turn is not the assistant's.</exception>
    public string RenderTraining(IReadOnlyList<ChatMessage> messages)
    {
        var (prompt, completion) = SplitTraining(messages);
        return prompt + completion;
    }

    /// <summary>The training text split into the prompt (= <see cref="RenderPrompt"/> of the turns before the last) and the completion the loss is taken on.</summary>
    public (string Prompt, string Completion) SplitTraining(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count < 2 || messages[^1].Role != "assistant")
            throw new ArgumentException("a training conversation ends with an assistant turn", nameof(messages));
        var prompt = RenderPrompt(messages.Take(messages.Count - 1).ToList());
        var full = new StringBuilder();
        Render(messages, full);
        var text = full.ToString();
        if (!text.StartsWith(prompt, StringComparison.Ordinal))
            throw new InvalidOperationException($"template {Name}: training text does not start with the prompt"); // a template bug, not user input
        return (prompt, text[prompt.Length..]);
    }

    private protected abstract void Render(IReadOnlyList<ChatMessage> messages, StringBuilder text);

    private protected abstract void AppendGenerationPrompt(StringBuilder text);

    /// <summary>Qwen3 (thinking), as its tokenizer_config.json chat_template.</summary>
    public static ChatTemplate Qwen3 { get; } = new QwenChatTemplate(isThinking: true);

    /// <summary>Plain ChatML (Qwen2.5 without the default system prompt): turns only, no think block.</summary>
    public static ChatTemplate ChatMl { get; } = new QwenChatTemplate(isThinking: false);

    /// <summary>DeepSeek-R1 and its Distill-Qwen/Llama students.</summary>
    public static ChatTemplate DeepSeekR1 { get; } = new DeepSeekR1ChatTemplate();

    /// <summary>The built-ins' names, as a recipe's `student.chat_template` and `ded train --template` take them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["qwen3", "chatml", "deepseek-r1"];

    /// <summary>The built-in named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such built-in; the message lists them.</exception>
    public static ChatTemplate Get(string name) => name.ToLowerInvariant() switch
    {
        "qwen3" => Qwen3,
        "chatml" or "qwen" or "qwen2.5" => ChatMl,
        "deepseek-r1" or "deepseekr1" or "deepseek-r1-distill" => DeepSeekR1,
        _ => throw new ArgumentException($"unknown chat template '{name}'; built-ins: qwen3, chatml, deepseek-r1", nameof(name)),
    };

    /// <summary>
    /// The built-in whose signature matches the <c>chat_template</c> of <paramref name="tokenizerConfigPath"/>
    /// (a tokenizer_config.json). Detection by signature: the Jinja source is not executed.
    /// </summary>
    /// <exception cref="InvalidDataException">No chat_template, or not one of the built-ins; the message names the file.</exception>
    public static ChatTemplate FromTokenizerConfig(string tokenizerConfigPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(tokenizerConfigPath));
        if (!doc.RootElement.TryGetProperty("chat_template", out var t) || t.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{tokenizerConfigPath}: chat_template is missing; pass --template qwen3|chatml|deepseek-r1");
        return Detect(t.GetString()!) ?? throw new InvalidDataException(
            $"{tokenizerConfigPath}: chat_template matches no built-in (qwen3, chatml, deepseek-r1); pass --template NAME if the student uses one of them");
    }

    internal static ChatTemplate? Detect(string jinja) =>
        jinja.Contains("<｜Assistant｜>") && jinja.Contains("<｜User｜>") ? DeepSeekR1
        : jinja.Contains("<|im_start|>") && jinja.Contains("reasoning_content") && jinja.Contains("<think>") ? Qwen3
        : jinja.Contains("<|im_start|>") && !jinja.Contains("<think>") ? ChatMl
        : null;
}
