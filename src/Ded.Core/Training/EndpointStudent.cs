using System.ClientModel.Primitives;
using System.Text.Json;
using Ded.Teachers.Endpoints;
using Microsoft.Extensions.AI;
using ChatCompletion = OpenAI.Chat.ChatCompletion;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;

namespace Ded.Training;

/// <summary>
/// A student served over an OpenAI-compatible endpoint (e.g. <c>ded serve --checkpoint</c>, vLLM), through the one
/// client pipeline (retries, rate limits, max in flight). It samples; it is trained elsewhere
/// (<c>ded train --engine ...</c>); <see cref="ScoringEndpointStudent"/> also scores.
/// </summary>
public class EndpointStudent : IStudentSampler
{
    private readonly IChatClient _chat;
    private readonly string? _system;

    /// <param name="options">The endpoint (validated; the API key is read now).</param>
    /// <param name="system">The system message sent before each prompt; null for none.</param>
    /// <param name="stats">Counters to add to; a new one when null.</param>
    public EndpointStudent(EndpointOptions options, string? system = null, EndpointStats? stats = null)
    {
        _chat = EndpointClientFactory.Create(options, stats);
        _system = system;
    }

    /// <summary>
    /// One chat request per prompt asking for all k samples with <c>n: k</c> and the options' seed. Why n rather than
    /// k requests of n=1: a sampler that draws the k samples of a prompt as one seeded batch (ded serve's student,
    /// like <c>LabStudent</c> in process) gives other samples to k single requests, whatever their seeds; with n the
    /// served lab student returns exactly what the in-process student draws for the same seed. The OpenAI SDK has no
    /// public <c>n</c> and its ChatCompletion surfaces only the first choice, so <c>n</c> goes in through the
    /// options' JSON patch (as SamplingExtrasChatClient adds top_k) and the choices are read back from the
    /// completion's own JSON (the SDK keeps every choice it parsed), which keeps the retry and limit layers.
    /// </summary>
    /// <remarks>The prompts go out at once; the endpoint pipeline's max in flight and rate limits pace them. A request
    /// that fails after its retries gives k samples carrying its <see cref="StudentSample.Error"/> (an evaluation counts
    /// them; compression refuses them), so one lost request does not throw away the others.</remarks>
    public async Task<IReadOnlyList<IReadOnlyList<StudentSample>>> SampleAsync(
        IReadOnlyList<string> prompts, SampleOptions options, CancellationToken cancellationToken)
    {
        int answered = 0;
        return await Task.WhenAll(prompts.Select(async p =>
        {
            var samples = await SampleOneAsync(p, options, cancellationToken).ConfigureAwait(false);
            options.Progress?.Report(Interlocked.Increment(ref answered));
            return samples;
        })).ConfigureAwait(false);
    }

    /// <summary>The conversation a prompt is sent as.</summary>
    public static IReadOnlyList<ChatMessage> Messages(string? system, string prompt) =>
        system is null ? [new ChatMessage(ChatRole.User, prompt)] : [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, prompt)];

    private async Task<IReadOnlyList<StudentSample>> SampleOneAsync(string prompt, SampleOptions options, CancellationToken ct)
    {
        int k = options.SamplesPerPrompt;
        var chatOptions = new ChatOptions
        {
            Temperature = options.Temperature, TopP = options.TopP, MaxOutputTokens = options.MaxNewTokens, Seed = options.Seed,
            RawRepresentationFactory = _ => WithN(k),
        };
        ChatResponse response;
        try
        {
            response = await _chat.GetResponseAsync(Messages(_system, prompt), chatOptions, ct).ConfigureAwait(false);
        }
        catch (EndpointException e)
        {
            return Enumerable.Repeat(new StudentSample("", false) { Error = e.Message }, k).ToArray();
        }
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

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing) _chat.Dispose();
    }
}

/// <summary>
/// A served student that also scores: the log-probability of each response token given the prompt, from one
/// completions request with prompt_logprobs on prompt + response, the prompt rendered as the server renders chat.
/// </summary>
public sealed class ScoringEndpointStudent : EndpointStudent, IStudentScorer
{
    private readonly EndpointScorer _scorer;
    private readonly Func<string, string> _formatPrompt;

    /// <param name="formatPrompt">How the served model sees a prompt as plain text (the chat template the server
    /// applies to chat requests, with the system message).</param>
    public ScoringEndpointStudent(EndpointOptions options, string? system, Func<string, string> formatPrompt, EndpointStats? stats = null)
        : base(options, system, stats)
    {
        _scorer = new EndpointScorer(options);
        _formatPrompt = formatPrompt;
    }

    /// <summary>Log-probabilities and (where the engine sends them, as vLLM's prompt_logprobs do) ranks of the response
    /// tokens. Entropies need the full distribution, which the API does not return: they are empty. No end-of-turn
    /// token is scored (the text ends with the response).</summary>
    /// <remarks>The requests go out at once; the endpoint pipeline's max in flight and rate limits pace them. Each
    /// distinct prompt is also scored alone, once: its token ids say where the response starts (see
    /// <see cref="FirstResponseToken"/>).</remarks>
    /// <exception cref="EndpointException">A text the engine refused (e.g. longer than its context) or a request that failed after its retries.</exception>
    public async Task<IReadOnlyList<TokenScores>> ScoreAsync(IReadOnlyList<SftExample> examples, CancellationToken cancellationToken)
    {
        var prefixes = examples.Select(e => e.Prompt).Distinct(StringComparer.Ordinal)
            .ToDictionary(p => p, p => _scorer.ScoreAsync(_formatPrompt(p), cancellationToken), StringComparer.Ordinal);
        return await Task.WhenAll(examples.Select(e => ScoreOneAsync(e, prefixes[e.Prompt], cancellationToken))).ConfigureAwait(false);
    }

    private async Task<TokenScores> ScoreOneAsync(SftExample example, Task<TokenLogProbs> prefixScores, CancellationToken ct)
    {
        var prefix = _formatPrompt(example.Prompt);
        var scored = await _scorer.ScoreAsync(prefix + example.Response, ct).ConfigureAwait(false);
        int first = FirstResponseToken(scored, await prefixScores.ConfigureAwait(false), prefix.Length);
        return new TokenScores([.. scored.LogProbs.Skip(first).Select(lp => lp ?? double.NaN)], [])
        {
            Ranks = scored.Ranks.Count == scored.LogProbs.Count ? [.. scored.Ranks.Skip(first).Select(r => r ?? 0)] : [],
        };
    }

    /// <summary>The index of the first response token of <paramref name="whole"/> (prompt + response). With token ids
    /// for both (vLLM's prompt_token_ids): the first id where the whole text departs from the prompt scored alone, so a
    /// token merging the prompt's end with the response's start counts as the response's. Why ids, not the decoded
    /// tokens' lengths: vLLM decodes no text for the first token (e.g. <c>&lt;|im_start|&gt;</c>) and decodes a token
    /// holding part of a UTF-8 character as U+FFFD, so character counts drift. Without ids: the first token after the
    /// first <paramref name="prefixChars"/> characters (a token straddling the boundary counts as the response's).</summary>
    internal static int FirstResponseToken(TokenLogProbs whole, TokenLogProbs? prefix, int prefixChars)
    {
        if (prefix is { Ids.Count: > 0 } && whole.Ids.Count > 0)
        {
            int common = 0;
            while (common < prefix.Ids.Count && common < whole.Ids.Count && prefix.Ids[common] == whole.Ids[common]) common++;
            return common;
        }
        int chars = 0;
        for (int t = 0; t < whole.Tokens.Count; t++)
        {
            if (chars >= prefixChars && whole.Tokens[t].Length > 0) return t;
            chars += whole.Tokens[t].Length;
            if (chars > prefixChars) return t;
        }
        return whole.Tokens.Count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _scorer.Dispose();
        base.Dispose(disposing);
    }
}
