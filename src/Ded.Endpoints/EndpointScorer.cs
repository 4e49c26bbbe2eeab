using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;

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
    /// <summary>Sum of the known log-probabilities (every token but the first).</summary>
    public double Total => LogProbs.Sum(lp => lp ?? 0);
}

/// <summary>
/// Scores a text under a served model: the per-token log-probabilities that the teacher-fit signals and the
/// student's pass rate need. Written over HttpClient and System.Text.Json because the OpenAI SDK and
/// Microsoft.Extensions.AI cover neither <c>prompt_logprobs</c> nor <c>echo</c> on completions.
/// Retries 429, 5xx and dropped connections like the chat client; other statuses throw <see cref="EndpointException"/>.
/// </summary>
public sealed class EndpointScorer : IDisposable
{
    private readonly HttpClient _http;
    private readonly EndpointOptions _options;
    private readonly ScoringApi _api;
    private readonly SecretRedactor _redactor;
    private readonly ResiliencePipeline _pipeline;
    private int _next;

    /// <summary>A scorer over <paramref name="options"/>' base URLs (taken in turn) and model.</summary>
    /// <param name="handler">Transport for tests; a pooled SocketsHttpHandler when null.</param>
    /// <exception cref="EndpointException">The API key variable is named but not set.</exception>
    public EndpointScorer(EndpointOptions options, ScoringApi api = ScoringApi.PromptLogprobs,
        Func<string, string?>? environment = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var key = EndpointClientFactory.ReadKey(options, environment ?? Environment.GetEnvironmentVariable);
        (_options, _api, _redactor) = (options, api, new SecretRedactor(key));
        _http = new HttpClient(handler ?? EndpointClientFactory.CreateHandler(options)) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _pipeline = Pipeline(options);
    }

    /// <summary>The log-probability of every token of <paramref name="text"/> (sent as the prompt, as is).</summary>
    /// <exception cref="EndpointException">The endpoint refused the request, or every retry failed.</exception>
    public async Task<TokenLogProbs> ScoreAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = RequestBody(text);
        JsonNode json;
        try
        {
            json = await _pipeline.ExecuteAsync(async token => await PostAsync(body, token).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TransientEndpointException ex)
        {
            throw new EndpointException($"scoring through {ex.BaseUrl} (model {_options.Model}) failed {_options.Retry.MaxAttempts} attempt(s); " +
                $"last fault: {ex.Message}. Check that the engine is up.");
        }
        return _api == ScoringApi.PromptLogprobs ? ParsePromptLogprobs(json) : ParseEcho(json);
    }

    internal byte[] RequestBody(string text)
    {
        var request = new JsonObject { ["model"] = _options.Model, ["prompt"] = text, ["temperature"] = 0 };
        if (_api == ScoringApi.PromptLogprobs)
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
            request["max_tokens"] = 1; // the generated token is dropped below, using usage.prompt_tokens
        }
        return JsonSerializer.SerializeToUtf8Bytes(request);
    }

    private async Task<JsonNode> PostAsync(byte[] body, CancellationToken ct)
    {
        var baseUrl = _options.BaseUrls[(int)((uint)Interlocked.Increment(ref _next) % (uint)_options.BaseUrls.Count)];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(_options.AttemptTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(baseUrl.TrimEnd('/') + "/completions", content, attempt.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException)
        {
            throw new TransientEndpointException(ex is OperationCanceledException ? FaultCause.Timeout : FaultCause.Connection, baseUrl, ex.Message);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status == 429 || status >= 500)
                throw new TransientEndpointException(status == 429 ? FaultCause.RateLimited : FaultCause.ServerError, baseUrl, $"HTTP {status}",
                    FaultClassifyingChatClient.ParseRetryAfter(response.Headers.RetryAfter?.ToString(), DateTimeOffset.UtcNow));
            if (!response.IsSuccessStatusCode)
                throw new EndpointException($"endpoint {baseUrl} answered HTTP {status} to a scoring request (/completions, {_api}): " +
                    $"check that the engine serves completions with {(_api == ScoringApi.PromptLogprobs ? "prompt_logprobs (vLLM)" : "echo and logprobs")}" +
                    $"{(status is 401 or 403 ? $" and that {_options.ApiKeyEnv ?? "api_key_env"} holds a valid key" : "")}. " +
                    $"Server said: {_redactor.Redact(text.Length > 300 ? text[..300] : text)}", status);
            try
            {
                return JsonNode.Parse(text) ?? throw new JsonException("empty body");
            }
            catch (JsonException ex)
            {
                throw new TransientEndpointException(FaultCause.Malformed, baseUrl, ex.Message);
            }
        }
    }

    /// <summary>vLLM: <c>choices[0].prompt_logprobs</c> = [null, {"id": {"logprob", "rank", "decoded_token"}}, …].</summary>
    internal static TokenLogProbs ParsePromptLogprobs(JsonNode json)
    {
        var choice = json["choices"]?[0] ?? throw Format("choices[0] missing");
        var positions = choice["prompt_logprobs"]?.AsArray() ?? throw Format("choices[0].prompt_logprobs missing: is this vLLM?");
        var ids = (choice["prompt_token_ids"] ?? json["prompt_token_ids"])?.AsArray();
        var tokens = new List<string>(positions.Count);
        var logProbs = new List<double?>(positions.Count);
        for (var i = 0; i < positions.Count; i++)
        {
            if (positions[i] is not JsonObject candidates || candidates.Count == 0)
            {
                tokens.Add(""); // the first token: no logprob, and vLLM does not decode it here
                logProbs.Add(null);
                continue;
            }
            var entry = candidates.Count == 1 ? candidates.First().Value
                : ids is not null && candidates[ids[i]!.ToString()] is { } byId ? byId
                : throw Format($"prompt_logprobs[{i}] has {candidates.Count} candidates and no prompt_token_ids to choose the prompt's");
            tokens.Add(entry?["decoded_token"]?.GetValue<string>() ?? "");
            logProbs.Add(entry?["logprob"]?.GetValue<double>() ?? throw Format($"prompt_logprobs[{i}].logprob missing"));
        }
        return new TokenLogProbs(tokens, logProbs);
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

    private static ResiliencePipeline Pipeline(EndpointOptions options)
    {
        var retry = options.Retry;
        if (retry.MaxAttempts <= 1) return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = retry.MaxAttempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = retry.UseJitter,
            Delay = retry.BaseDelay,
            MaxDelay = retry.MaxDelay,
            ShouldHandle = new PredicateBuilder().Handle<TransientEndpointException>(),
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Exception is TransientEndpointException { RetryAfter: { } after } ? (TimeSpan?)after : null),
        }).Build();
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}
