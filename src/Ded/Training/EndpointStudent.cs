using System.ClientModel.Primitives;
using System.Text.Json;
using Ded.Teachers.Endpoints;
using Microsoft.Extensions.AI;
using ChatCompletion = OpenAI.Chat.ChatCompletion;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;

namespace Ded.Training;

/// <summary>
/// A student served over an OpenAI-compatible endpoint (e.g. <c>ded serve --checkpoint</c>, vLLM): it samples and
/// scores; it is trained elsewhere (<c>ded train --engine ...</c>), so <see cref="Fork"/> and
/// <see cref="SftAsync"/> throw.
/// </summary>
public sealed class EndpointStudent : IStudent
{
    private readonly IChatClient _chat;
    private readonly EndpointScorer _scorer;
    private readonly Func<string, string> _formatPrompt;

    /// <param name="options">The endpoint (validated; the API key is read now).</param>
    /// <param name="formatPrompt">How the served model sees a prompt as plain text, for scoring through the
    /// completions API (the chat template the server applies to chat requests); identity when null.</param>
    /// <param name="stats">Counters to add to; a new one when null.</param>
    public EndpointStudent(EndpointOptions options, Func<string, string>? formatPrompt = null, EndpointStats? stats = null)
    {
        _chat = EndpointClientFactory.Create(options, stats);
        _scorer = new EndpointScorer(options);
        _formatPrompt = formatPrompt ?? (p => p);
    }

    public IStudent Fork() => throw NotTrainable();

    public Task<SftReport> SftAsync(IReadOnlyList<SftExample> corpus, SftOptions options, CancellationToken cancellationToken) => throw NotTrainable();

    private static NotSupportedException NotTrainable() => new(
        "a served student (student: { endpoint: ... }) only samples and scores; it is trained elsewhere: " +
        "fine-tune it with `ded train --engine ...` and serve the result");

    /// <summary>
    /// One chat request per prompt asking for all k samples with <c>n: k</c> and the options' seed. Why n rather than
    /// k requests of n=1: a sampler that draws the k samples of a prompt as one seeded batch (ded serve's student,
    /// like <c>LabStudent</c> in process) gives other samples to k single requests, whatever their seeds; with n the
    /// served lab student returns exactly what the in-process student draws for the same seed. The OpenAI SDK has no
    /// public <c>n</c> and its ChatCompletion surfaces only the first choice, so <c>n</c> goes in through the
    /// options' JSON patch (as SamplingExtrasChatClient adds top_k) and the choices are read back from the
    /// completion's own JSON (the SDK keeps every choice it parsed), which keeps the retry and limit layers.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<StudentSample>>> SampleAsync(
        IReadOnlyList<string> prompts, SampleOptions options, CancellationToken cancellationToken)
    {
        var result = new IReadOnlyList<StudentSample>[prompts.Count];
        for (int i = 0; i < prompts.Count; i++)
            result[i] = await SampleOneAsync(prompts[i], options, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<IReadOnlyList<StudentSample>> SampleOneAsync(string prompt, SampleOptions options, CancellationToken ct)
    {
        int k = options.SamplesPerPrompt;
        var chatOptions = new ChatOptions
        {
            Temperature = options.Temperature, TopP = options.TopP, MaxOutputTokens = options.MaxNewTokens, Seed = options.Seed,
            RawRepresentationFactory = _ => WithN(k),
        };
        var response = await _chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], chatOptions, ct).ConfigureAwait(false);
        var samples = Choices(response);
        if (samples.Count != k)
            throw new EndpointException($"the served student returned {samples.Count} choice(s) for n={k}: serve it with an engine that honours n " +
                "(ded serve, vLLM, SGLang) and without streaming (endpoint.stream: false)");
        return samples;
    }

#pragma warning disable SCME0001 // JsonPatch is experimental in System.ClientModel 1.x; it is the SDK's only way to add body fields.
    private static ChatCompletionOptions WithN(int n)
    {
        var raw = new ChatCompletionOptions();
        raw.Patch.Set("$.n"u8, n);
        return raw;
    }
#pragma warning restore SCME0001

    /// <summary>Every choice, in index order, from the completion's JSON.</summary>
    private static List<StudentSample> Choices(ChatResponse response)
    {
        if (response.RawRepresentation is not ChatCompletion completion)
            return [new StudentSample(response.Text, response.FinishReason == ChatFinishReason.Length)];
        using var json = JsonDocument.Parse(ModelReaderWriter.Write(completion));
        return json.RootElement.GetProperty("choices").EnumerateArray()
            .OrderBy(c => c.GetProperty("index").GetInt32())
            .Select(c => new StudentSample(
                c.GetProperty("message").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()! : "",
                c.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String && finish.GetString() == "length"))
            .ToList();
    }

    /// <summary>
    /// The log-probability of each response token given the formatted prompt, from one prompt_logprobs request on
    /// prompt + response. Entropies need the full distribution, which the API does not return: they are empty.
    /// </summary>
    public async Task<IReadOnlyList<TokenScores>> ScoreAsync(IReadOnlyList<SftExample> examples, CancellationToken cancellationToken)
    {
        var result = new TokenScores[examples.Count];
        for (int i = 0; i < examples.Count; i++)
        {
            var prefix = _formatPrompt(examples[i].Prompt);
            var scored = await _scorer.ScoreAsync(prefix + examples[i].Response, cancellationToken).ConfigureAwait(false);
            result[i] = new TokenScores(ResponseLogProbs(scored, prefix.Length), []);
        }
        return result;
    }

    /// <summary>The tokens after the first <paramref name="prefixChars"/> characters (a token straddling the boundary counts as the response's).</summary>
    internal static double[] ResponseLogProbs(TokenLogProbs scored, int prefixChars)
    {
        int chars = 0, first = scored.Tokens.Count;
        for (int t = 0; t < scored.Tokens.Count; t++)
        {
            if (chars >= prefixChars && scored.Tokens[t].Length > 0) { first = t; break; }
            chars += scored.Tokens[t].Length;
            if (chars > prefixChars) { first = t; break; }
        }
        return [.. scored.LogProbs.Skip(first).Select(lp => lp ?? double.NaN)];
    }

    public void Dispose()
    {
        _chat.Dispose();
        _scorer.Dispose();
    }
}
