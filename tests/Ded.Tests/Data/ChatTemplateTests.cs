using Ded.Data.Templates;
using Ded.Tests.Support;
using Xunit;

namespace Ded.Tests.Data;

public class ChatTemplateTests
{
    private static readonly ChatMessage User = ChatMessage.User("What is 2+2?");
    private static readonly ChatMessage Answer = ChatMessage.Assistant("<think>\nTwo and two.\n</think>\n\nThe answer is $\\boxed{4}$.");

    // Expected strings written by reading Qwen3's chat_template (tokenizer_config.json) line by line.
    [SkippableFact]
    public void Qwen3PromptAndTrainingText()
    {
        var q = ChatTemplate.Qwen3;
        Assert.Equal("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", q.RenderPrompt([User]));
        Assert.Equal("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nTwo and two.\n</think>\n\nThe answer is $\\boxed{4}$.<|im_end|>\n",
            q.RenderTraining([User, Answer]));
    }

    [SkippableFact]
    public void Qwen3SystemTurnAndEmptyReasoning()
    {
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|>\n",
            ChatTemplate.Qwen3.RenderTraining([ChatMessage.System("Be brief."), User, ChatMessage.Assistant("4")]));
    }

    [SkippableFact]
    public void Qwen3DropsReasoningOfTurnsBeforeTheLastQuery()
    {
        var text = ChatTemplate.Qwen3.RenderPrompt([User, Answer, ChatMessage.User("And 3+3?")]);
        Assert.Equal("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\nThe answer is $\\boxed{4}$.<|im_end|>\n" +
                     "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [SkippableFact]
    public void Qwen3SeparateReasoningField()
    {
        Assert.Equal("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nadd\n</think>\n\n4<|im_end|>\n",
            ChatTemplate.Qwen3.RenderTraining([User, ChatMessage.Assistant("\n4", reasoning: "\nadd\n")]));
    }

    [SkippableFact]
    public void DeepSeekR1PrefillsThinkAndStripsEarlierReasoning()
    {
        var d = ChatTemplate.DeepSeekR1;
        Assert.Equal("<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\n", d.RenderPrompt([User]));
        Assert.Equal("<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\nTwo and two.\n</think>\n\nThe answer is $\\boxed{4}$.<｜end▁of▁sentence｜>",
            d.RenderTraining([User, Answer]));
        Assert.Equal("<｜begin▁of▁sentence｜>Sys<｜User｜>What is 2+2?<｜Assistant｜>\n\nThe answer is $\\boxed{4}$.<｜end▁of▁sentence｜><｜User｜>And 3+3?<｜Assistant｜><think>\n",
            d.RenderPrompt([ChatMessage.System("Sys"), User, Answer, ChatMessage.User("And 3+3?")]));
    }

    [SkippableFact]
    public void ChatMlHasNoThinkBlock() =>
        Assert.Equal("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n",
            ChatTemplate.ChatMl.RenderTraining([User, ChatMessage.Assistant("4")]));

    public static TheoryData<string> TemplateNames() => ["qwen3", "chatml", "deepseek-r1"];

    // The one renderer serves both: the training text starts with exactly the evaluation prompt.
    [SkippableTheory]
    [MemberData(nameof(TemplateNames))]
    public void TrainingTextStartsWithTheEvaluationPrompt(string name)
    {
        var t = ChatTemplate.Get(name);
        List<ChatMessage>[] conversations =
        [
            [User, Answer],
            [ChatMessage.System("Reason step by step."), User, ChatMessage.Assistant("no think tags, 4")],
            [User, Answer, ChatMessage.User("And 3+3?"), ChatMessage.Assistant("<think>6</think>6")],
        ];
        foreach (var c in conversations)
        {
            var prompt = t.RenderPrompt(c.Take(c.Count - 1).ToList());
            Assert.StartsWith(prompt, t.RenderTraining(c), StringComparison.Ordinal);
            Assert.Equal(prompt, t.SplitTraining(c).Prompt);
        }
    }

    [SkippableFact]
    public void DetectsQwen3FromTheRealTokenizerConfig()
    {
        var t = ChatTemplate.FromTokenizerConfig(SharedData.Require("tokenizers/qwen3/tokenizer_config.json"));
        Assert.Same(ChatTemplate.Qwen3, t);
        Assert.Equal("qwen3", t.LlamaFactoryName);
    }

    // Excerpts of the official templates: DeepSeek-R1-Distill-Qwen's and Qwen2.5-Instruct's tokenizer_config.json.
    [SkippableTheory]
    [InlineData("{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{{'<｜User｜>' + message['content']}}{%- endif %}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}", "deepseek-r1")]
    [InlineData("{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}", "chatml")]
    public void DetectsBuiltInsBySignature(string jinja, string expected) => Assert.Equal(expected, ChatTemplate.Detect(jinja)?.Name);

    [SkippableFact]
    public void UnknownTemplateNamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ded-tc-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"chat_template": "{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}"}""");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => ChatTemplate.FromTokenizerConfig(path));
            Assert.Equal($"{path}: chat_template matches no built-in (qwen3, chatml, deepseek-r1); pass --template NAME if the student uses one of them", e.Message);
        }
        finally { File.Delete(path); }
    }

    [SkippableFact]
    public void PromptEndingWithAssistantIsRefused() =>
        Assert.Throws<ArgumentException>(() => ChatTemplate.Qwen3.RenderPrompt([User, Answer]));
}
