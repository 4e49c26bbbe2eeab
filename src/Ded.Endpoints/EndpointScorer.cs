using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>How an engine returns the log-probabilities of a prompt's own tokens.</summary>
public enum ScoringApi
{
    /// <summary>vLLM: <c>/v1/completions</c> with <c>prompt_logprobs</c>; answers in <c>choices[0].prompt_logprobs</c>.</summary>
    PromptLogprobs,
    /// <summary>OpenAI legacy, SGLang, llama.cpp: <c>echo: true</c> with <c>logprobs</c>; answers in <c>choices[0].logprobs</c>.</summary>
    Echo,
}

/// <summary>The log-probability of each token of a scored text under a model; the first token has none (null).</summary>
public sealed record TokenLogProbs(IReadOnlyList<string> Tokens, IReadOnlyList<double?> LogProbs)
{
    /// <summary>Each token's 1-based rank in the model's distribution (vLLM's prompt_logprobs <c>rank</c>), as
    /// <see cref="LogProbs"/>; empty when the engine gives none (echo answers carry no rank).</summary>
    public IReadOnlyList<int?> Ranks { get; init; } = [];

    /// <summary>The token ids, as <see cref="Tokens"/> (vLLM's <c>prompt_token_ids</c>); empty when the engine sends none.</summary>
    public IReadOnlyList<int> Ids { get; init; } = [];

    /// <summary>Sum of the known log-probabilities (every token but the first).</summary>
    public double Total => LogProbs.Sum(lp => lp ?? 0);
}

/// <summary>
/// Scores a text under a served model: the per-token log-probabilities that the teacher-fit signals and the
/// student's pass rate need. It goes through the endpoint's one client pipeline
/// (<see cref="EndpointClientFactory.CreateScoring"/>: retries, rate limits, max in flight, failover, stats) over a
/// completions leaf written with HttpClient and System.Text.Json, because the OpenAI SDK and Microsoft.Extensions.AI
/// cover neither <c>prompt_logprobs</c> nor <c>echo</c> on completions.
/// </summary>
public sealed class EndpointScorer : IDisposable
{
    private readonly IChatClient _client;

    /// <summary>A scorer over <paramref name="options"/>' base URLs and model.</summary>
    /// <param name="handler">Transport for tests; a pooled SocketsHttpHandler when null.</param>
    /// <exception cref="EndpointException">The API key variable is named but not set.</exception>
    public EndpointScorer(EndpointOptions options, ScoringApi api = ScoringApi.PromptLogprobs,
        Func<string, string?>? environment = null, HttpMessageHandler? handler = null) =>
        _client = EndpointClientFactory.CreateScoring(options, api, environment, handler);

    /// <summary>The log-probability of every token of <paramref name="text"/> (sent as the prompt, as is).</summary>
    /// <exception cref="EndpointException">The endpoint refused the request, or every retry failed.</exception>
    public async Task<TokenLogProbs> ScoreAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var response = await _client.GetResponseAsync([new ChatMessage(ChatRole.User, text)], null, cancellationToken).ConfigureAwait(false);
        return (TokenLogProbs)response.RawRepresentation!;
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();
}

/// <summary>
/// The scoring leaf for one base URL: the text of the last user message posted to <c>/completions</c> as the prompt;
/// the answer's <see cref="TokenLogProbs"/> come back as the response's raw representation. 429 and 5xx are
/// transient (the retry layer above resends); other statuses say what to check.
/// </summary>
internal sealed class CompletionsScoringClient(string baseUrl, HttpClient http, string key, EndpointOptions options, ScoringApi api) : IChatClient
{
    private readonly SecretRedactor _redactor = new(key);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default)
    {
        var json = await PostAsync(RequestBody(messages.Last(m => m.Role == ChatRole.User).Text), cancellationToken).ConfigureAwait(false);
        var scored = api == ScoringApi.PromptLogprobs ? ScoringAnswers.ParsePromptLogprobs(json) : ScoringAnswers.ParseEcho(json);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, ""))
        {
            RawRepresentation = scored,
            Usage = new UsageDetails { InputTokenCount = json["usage"]?["prompt_tokens"]?.GetValue<int>() ?? scored.Tokens.Count },
        };
    }

    private byte[] RequestBody(string text)
    {
        var request = new JsonObject { ["model"] = options.Model, ["prompt"] = text, ["temperature"] = 0 };
        if (api == ScoringApi.PromptLogprobs)
        {
            // why: vLLM always includes the prompt token itself; 0 asks for nothing else. max_tokens 1: it must generate.
            request["prompt_logprobs"] = 0;
            request["max_tokens"] = 1;
            request["return_token_ids"] = true; // vLLM >= 0.10.2: lets us pick the prompt token when alternatives come along
        }
        else
        {
            request["echo"] = true;
            request["logprobs"] = 1;
            request["max_tokens"] = 1; // the generated token is dropped by ParseEcho, using usage.prompt_tokens
        }
        return JsonSerializer.SerializeToUtf8Bytes(request);
    }

    private async Task<JsonNode> PostAsync(byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl.TrimEnd('/') + "/completions") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status == 429 || status >= 500)
            throw new TransientEndpointException(status == 429 ? FaultCause.RateLimited : FaultCause.ServerError, baseUrl, $"HTTP {status}",
                FaultClassifyingChatClient.ParseRetryAfter(response.Headers.RetryAfter?.ToString(), DateTimeOffset.UtcNow), status);
        if (!response.IsSuccessStatusCode)
            throw new EndpointException($"endpoint {baseUrl} answered HTTP {status} to a scoring request (/completions, {api}): " +
                $"check that the engine serves completions with {(api == ScoringApi.PromptLogprobs ? "prompt_logprobs (vLLM)" : "echo and logprobs")}" +
                $"{(status is 401 or 403 ? $" and that {options.ApiKeyEnv ?? "api_key_env"} holds a valid key" : "")}. " +
                $"Server said: {_redactor.Excerpt(text)}", status);
        return JsonNode.Parse(text) ?? throw new JsonException("empty body"); // the fault classifier makes bad JSON transient
    }

    /// <summary>A scoring answer comes whole; streamed, it is that one response as updates.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false)).ToChatResponseUpdates())
            yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { } // the HttpClient belongs to the load balancer above
}

/// <summary>The two answer formats of a scoring request, read into <see cref="TokenLogProbs"/>.</summary>
internal static class ScoringAnswers
{
    /// <summary>vLLM: <c>choices[0].prompt_logprobs</c> = [null, {"id": {"logprob", "rank", "decoded_token"}}, …].</summary>
    internal static TokenLogProbs ParsePromptLogprobs(JsonNode json)
    {
        var choice = json["choices"]?[0] ?? throw Format("choices[0] missing");
        var positions = choice["prompt_logprobs"]?.AsArray() ?? throw Format("choices[0].prompt_logprobs missing: is this vLLM?");
        var ids = (choice["prompt_token_ids"] ?? json["prompt_token_ids"])?.AsArray();
        var tokens = new List<string>(positions.Count);
        var logProbs = new List<double?>(positions.Count);
        var ranks = new List<int?>(positions.Count);
        for (var i = 0; i < positions.Count; i++)
        {
            if (positions[i] is not JsonObject candidates || candidates.Count == 0)
            {
                tokens.Add(""); // the first token: no logprob, and vLLM does not decode it here
                logProbs.Add(null);
                ranks.Add(null);
                continue;
            }
            var entry = candidates.Count == 1 ? candidates.First().Value
                : ids is not null && candidates[ids[i]!.ToString()] is { } byId ? byId
                : throw Format($"prompt_logprobs[{i}] has {candidates.Count} candidates and no prompt_token_ids to choose the prompt's");
            tokens.Add(entry?["decoded_token"]?.GetValue<string>() ?? "");
            logProbs.Add(entry?["logprob"]?.GetValue<double>() ?? throw Format($"prompt_logprobs[{i}].logprob missing"));
            ranks.Add(entry?["rank"] is JsonValue rank ? rank.GetValue<int>() : null); // vLLM's Logprob carries it (vllm/logprobs.py); an engine that omits it gives none
        }
        // Ranks only when every scored position has one: a partial list would misalign the rank-surprisal ratio.
        return new TokenLogProbs(tokens, logProbs)
        {
            Ranks = ranks.Skip(1).All(r => r is not null) ? ranks : [],
            Ids = ids?.Count == positions.Count ? [.. ids.Select(id => id!.GetValue<int>())] : [],
        };
    }

    /// <summary>Echo: <c>choices[0].logprobs.tokens</c> and <c>token_logprobs</c>, cut to <c>usage.prompt_tokens</c>.</summary>
    internal static TokenLogProbs ParseEcho(JsonNode json)
    {
        var logprobs = json["choices"]?[0]?["logprobs"] ?? throw Format("choices[0].logprobs missing: does the engine support echo?");
        var tokens = logprobs["tokens"]?.AsArray() ?? throw Format("logprobs.tokens missing");
        var values = logprobs["token_logprobs"]?.AsArray() ?? throw Format("logprobs.token_logprobs missing");
        var count = json["usage"]?["prompt_tokens"]?.GetValue<int>() is { } p && p <= tokens.Count ? p : tokens.Count;
        var logProbs = new double?[count];
        for (var i = 0; i < count; i++) logProbs[i] = i == 0 ? null : values[i]?.GetValue<double>();
        return new TokenLogProbs([.. tokens.Take(count).Select(t => t?.GetValue<string>() ?? "")], logProbs);
    }

    private static EndpointException Format(string what) => new($"scoring answer not understood: {what}");
}
