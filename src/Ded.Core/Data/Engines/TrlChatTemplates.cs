namespace Ded.Data.Engines;

/// <summary>
/// Training chat templates for students whose own template TRL cannot use for <c>assistant_only_loss</c>. TRL swaps
/// in a training template only for templates it recognises verbatim (trl/chat_template_utils.py,
/// <c>get_training_chat_template</c>: Qwen2.5, Qwen3, Llama 3, DeepSeek-V3, Gemma, Phi-3, ...) and raises for any
/// other that lacks <c>{% generation %}</c> markers. DeepSeek-R1-Distill's template is not among them, and it also
/// cuts every assistant turn down to the text after <c>&lt;/think&gt;</c>, which would drop the reasoning Ded trains on.
/// </summary>
public static class TrlChatTemplates
{
    /// <summary>
    /// DeepSeek-R1(-Distill)'s chat format with the assistant turn kept whole and marked for the loss (its end-of-sentence
    /// token included, so the student learns to stop). Written here, not copied: same tokens as the model's template, no
    /// tool turns (Ded's exports have none), and the generation prompt opens the think block as the original does.
    /// </summary>
    public const string DeepSeekR1 =
        "{%- if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
        + "{%- set ns = namespace(system_prompt='') %}"
        + "{%- for message in messages %}{% if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{% endif %}{% endfor %}"
        + "{{- bos_token }}{{ ns.system_prompt }}"
        + "{%- for message in messages %}"
        + "{%- if message['role'] == 'user' %}{{ '<｜User｜>' + message['content'] }}"
        + "{%- elif message['role'] == 'assistant' %}{{ '<｜Assistant｜>' }}{% generation %}{{ message['content'] + '<｜end▁of▁sentence｜>' }}{% endgeneration %}"
        + "{%- endif %}{%- endfor %}"
        + "{%- if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}";

    /// <summary>The training template file Ded writes for a student chat format (LLaMA-Factory's template name), or null
    /// when TRL handles the student's own template.</summary>
    public static (string FileName, string Text)? For(string template) => template switch
    {
        "deepseekr1" => ("deepseek_r1_training.jinja", DeepSeekR1),
        _ => null,
    };
}
