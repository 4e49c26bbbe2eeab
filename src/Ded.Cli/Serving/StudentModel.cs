using Ded.Student;
using Ded.Student.Inference;
using Ded.Student.Training;
using Microsoft.Extensions.AI;

namespace Ded.Cli.Serving;

/// <summary>
/// Serves a lab student checkpoint. The model reads characters: a token is one character, and BOS opens every
/// sequence. Chat formats the last user message as in training (<see cref="LabStudent.FormatPrompt"/>); completions
/// take the prompt as raw text after BOS. Requests run one at a time: a tiny model on CPU gains nothing from
/// interleaving, and libtorch's thread setting is process-wide.
/// </summary>
internal sealed class StudentModel(LabStudent student, string id, int threads) : IServedModel
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Id => id;

    public Task<Generation> ChatAsync(IReadOnlyList<ChatMessage> messages, SamplingRequest sampling, CancellationToken ct)
    {
        var question = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text
            ?? throw new BadRequestException("messages: the lab student answers the last user message, and there is none");
        if (sampling.MaxTokens is < 1) throw new BadRequestException("max_tokens must be >= 1 for chat completions");
        return SerializedAsync(() => Generate(LabStudent.FormatPrompt(question), sampling, promptLogprobs: false, ct), ct);
    }

    public Task<Generation> CompleteAsync(string prompt, SamplingRequest sampling, bool promptLogprobs, CancellationToken ct) =>
        SerializedAsync(() => Generate(prompt, sampling, promptLogprobs, ct), ct);

    private async Task<Generation> SerializedAsync(Func<Generation> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await Task.Run(() =>
            {
                TorchRuntime.UseThreads(threads);
                return work();
            }, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Generation Generate(string prompt, SamplingRequest s, bool promptLogprobs, CancellationToken ct)
    {
        if (student.Tokenizer.CountUnknown(prompt) > 0)
            throw new BadRequestException($"prompt has {student.Tokenizer.CountUnknown(prompt)} character(s) outside the lab alphabet (newline and printable ASCII)");
        int promptTokens = prompt.Length + 1; // BOS
        if (promptTokens > student.Model.Config.BlockSize)
            throw new BadRequestException($"prompt of {promptTokens} tokens (characters + BOS) exceeds the model's block size {student.Model.Config.BlockSize}");
        var choices = s.MaxTokens == 0
            ? Enumerable.Repeat(new GeneratedChoice("", "length", 0, s.Logprobs ? [] : null), s.N).ToList()
            : Sample(prompt, s, ct);
        return new Generation(choices, promptTokens, promptLogprobs ? PromptLogprobs(prompt, ct) : null);
    }

    private List<GeneratedChoice> Sample(string prompt, SamplingRequest s, CancellationToken ct)
    {
        if (prompt.Length + 1 >= student.Model.Config.BlockSize)
            throw new BadRequestException($"prompt of {prompt.Length + 1} tokens leaves no room to generate within the block size {student.Model.Config.BlockSize}");
        var options = new GenerateOptions
        {
            MaxNewTokens = s.MaxTokens ?? student.Model.Config.BlockSize, // the generator stops at the block's end
            Temperature = s.Temperature ?? 1.0,                              // OpenAI's defaults
            TopP = s.TopP ?? 1.0,
            Seed = s.Seed ?? Random.Shared.NextInt64(),
            StopStrings = s.Stop,
            BatchSize = s.N,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new BadRequestException(e.Message);
        }
        var completions = Generator.Generate(student.Model, student.Tokenizer, Enumerable.Repeat(prompt, s.N).ToList(), options, ct);
        return completions.Select(c => new GeneratedChoice(c.Text, c.FinishReason == FinishReason.Length ? "length" : "stop", c.TokenCount,
            s.Logprobs ? TextLogprobs(prompt, c.Text, ct) : null)).ToList();
    }

    /// <summary>vLLM's prompt_logprobs: null for BOS, then each character given BOS and the characters before it, with its
    /// rank (counting the characters strictly more likely; vLLM counts ties too, which differs only on exact ties).</summary>
    private List<TokenLogProb> PromptLogprobs(string prompt, CancellationToken ct)
    {
        var scores = Scorer.Score(student.Model, student.Tokenizer, [("", prompt)], batchSize: 1, ct)[0].Tokens;
        var ids = student.Tokenizer.Encode(prompt);
        var result = new List<TokenLogProb>(prompt.Length + 1) { new("", CharTokenizer.Bos, null) };
        for (int i = 0; i < prompt.Length; i++) result.Add(new TokenLogProb(prompt[i].ToString(), ids[i], scores[i].LogProbNats, scores[i].Rank));
        return result;
    }

    /// <summary>Log-probabilities of generated characters given the prompt (the model's own distribution, before
    /// temperature and top-p, as vLLM reports by default); the EOS that ended a choice is not part of its text.</summary>
    private List<TokenLogProb> TextLogprobs(string prompt, string text, CancellationToken ct)
    {
        var scores = Scorer.Score(student.Model, student.Tokenizer, [(prompt, text)], batchSize: 1, ct)[0].Tokens;
        var ids = student.Tokenizer.Encode(text);
        return [.. Enumerable.Range(0, text.Length).Select(i => new TokenLogProb(text[i].ToString(), ids[i], scores[i].LogProbNats))];
    }

    public void Dispose()
    {
        student.Dispose();
        _gate.Dispose();
    }
}
