namespace Ded.Teachers.Endpoints;

/// <summary>
/// One OpenAI-compatible endpoint (vLLM, SGLang, llama.cpp, Ollama or a hosted API), bound from a recipe's
/// <c>teacher.endpoint</c> block. Holds the <em>name</em> of the API key variable, never the key itself.
/// </summary>
public sealed record EndpointOptions
{
    /// <summary>Base URLs ending in <c>/v1</c>; requests go to the least loaded, failing over when one fails.</summary>
    public IReadOnlyList<string> BaseUrls { get; init; } = ["http://127.0.0.1:8000/v1"];

    /// <summary>The served model name sent in every request.</summary>
    public string Model { get; init; } = "";

    // why: the key lives in the environment only, so recipes, run folders and reports can be shared as they are.
    /// <summary>Name of the environment variable holding the API key; null or unset sends a placeholder key (local engines ignore it).</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>Most requests in flight at once, over all base URLs.</summary>
    public int MaxInFlight { get; init; } = 64; // why: vLLM batches ~256 sequences per GPU; 64 keeps one engine busy without queueing at the server

    /// <summary>Requests per minute; null for no limit.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Tokens per minute (prompt estimate + max output tokens, charged before sending, as hosted APIs count); null for no limit.</summary>
    public int? TokensPerMinute { get; init; }

    /// <summary>TCP connect timeout.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10); // why: a dead host should fail over quickly

    // why: a 32k-token reasoning answer at ~20 tokens/s under load takes ~27 minutes.
    /// <summary>Limit on one attempt, from sending until the last byte of the answer.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>When true, answers are streamed (SSE) and assembled: long answers keep the connection busy and a cut stream is detected and retried.</summary>
    public bool Stream { get; init; }

    // why: OpenAI's current API and Microsoft.Extensions.AI send max_completion_tokens; some engines read max_tokens only.
    /// <summary>JSON field that carries the output token limit: <c>max_completion_tokens</c> or <c>max_tokens</c>.</summary>
    public string MaxTokensField { get; init; } = "max_completion_tokens";

    /// <summary>Retry policy for transient faults (429, 5xx, timeouts, resets, malformed JSON, cut streams).</summary>
    public EndpointRetryOptions Retry { get; init; } = new();

    /// <summary>Sampling fields that Microsoft.Extensions.AI does not send itself.</summary>
    public EndpointSamplingOptions Sampling { get; init; } = new();

    /// <summary>Prices for the cost estimate; zero for a local engine.</summary>
    public EndpointPrices Prices { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (BaseUrls.Count == 0) throw new ArgumentException("endpoint.base_urls must name at least one URL (e.g. http://127.0.0.1:8000/v1)");
        foreach (var url in BaseUrls)
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                throw new ArgumentException($"endpoint.base_urls: '{url}' is not an http(s) URL");
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("endpoint.model must name the served model");
        if (MaxInFlight < 1) throw new ArgumentException($"endpoint.max_in_flight must be >= 1 (got {MaxInFlight})");
        if (RequestsPerMinute is < 1) throw new ArgumentException($"endpoint.requests_per_minute must be >= 1 or unset (got {RequestsPerMinute})");
        if (TokensPerMinute is < 1) throw new ArgumentException($"endpoint.tokens_per_minute must be >= 1 or unset (got {TokensPerMinute})");
        if (ConnectTimeout <= TimeSpan.Zero || AttemptTimeout <= TimeSpan.Zero)
            throw new ArgumentException("endpoint.connect_timeout and endpoint.attempt_timeout must be > 0");
        if (MaxTokensField is not ("max_completion_tokens" or "max_tokens"))
            throw new ArgumentException($"endpoint.max_tokens_field must be max_completion_tokens or max_tokens (got {MaxTokensField})");
        Retry.Validate();
    }
}

/// <summary>Jittered exponential backoff; a <c>Retry-After</c> header wins over the computed delay.</summary>
public sealed record EndpointRetryOptions
{
    /// <summary>Attempts per request including the first; 1 disables retries.</summary>
    public int MaxAttempts { get; init; } = 8; // why: ~2 minutes of backoff at the defaults rides out an engine restart

    /// <summary>Delay before the first retry; doubles each retry.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap on one backoff delay and on an honoured <c>Retry-After</c>.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    // why: without jitter, 256 requests rejected together retry together and are rejected together again.
    /// <summary>Whether delays are jittered (decorrelated jitter, Polly's <c>UseJitter</c>).</summary>
    public bool UseJitter { get; init; } = true;

    /// <summary>Seed of the jitter, recorded with the run.</summary>
    public int JitterSeed { get; init; } = 1;

    internal void Validate()
    {
        if (MaxAttempts < 1) throw new ArgumentException($"endpoint.retry.max_attempts must be >= 1 (got {MaxAttempts})");
        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay)
            throw new ArgumentException("endpoint.retry: need 0 <= base_delay <= max_delay");
    }
}

/// <summary>
/// Engine-specific sampling fields, written into the request body through the OpenAI SDK's JSON patch because
/// Microsoft.Extensions.AI 10.11 drops <c>ChatOptions.TopK</c> and <c>AdditionalProperties</c>.
/// Temperature, top-p, max tokens, seed and stop travel in <c>ChatOptions</c>.
/// </summary>
public sealed record EndpointSamplingOptions
{
    /// <summary>vLLM/SGLang <c>top_k</c>; null leaves the engine default. <c>ChatOptions.TopK</c> wins when set.</summary>
    public int? TopK { get; init; }

    /// <summary>vLLM/SGLang <c>min_p</c>; null leaves the engine default.</summary>
    public double? MinP { get; init; }

    /// <summary>Stop sequences added to <c>ChatOptions.StopSequences</c>.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    // why: Qwen3 and DeepSeek chat templates switch reasoning on and off with enable_thinking.
    /// <summary>vLLM <c>chat_template_kwargs</c>, e.g. <c>enable_thinking: true</c>; values are strings, numbers or booleans.</summary>
    public IReadOnlyDictionary<string, object> ChatTemplateKwargs { get; init; } = new Dictionary<string, object>();
}

/// <summary>Prices in US dollars per million tokens, for the cost estimate in progress and reports.</summary>
public sealed record EndpointPrices
{
    /// <summary>Dollars per million prompt tokens.</summary>
    public decimal InputPerMillion { get; init; }

    /// <summary>Dollars per million completion tokens (reasoning included).</summary>
    public decimal OutputPerMillion { get; init; }

    /// <summary>Estimated dollars for the given token counts.</summary>
    public decimal Cost(long inputTokens, long outputTokens) =>
        (inputTokens * InputPerMillion + outputTokens * OutputPerMillion) / 1_000_000m;
}
