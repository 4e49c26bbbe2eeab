using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Ded.Teachers.Endpoints;

/// <summary>Builds the client stack for an OpenAI-compatible endpoint.</summary>
public static class EndpointClientFactory
{
    /// <summary>
    /// An <see cref="IChatClient"/> over <paramref name="options"/>'s base URLs. Layers, outermost first:
    /// stats (<c>GetService(typeof(EndpointStats))</c>), sampling extras, retry with per-attempt timeout,
    /// requests/tokens-per-minute limits, max in flight, least-loaded spread with failover, and per URL the fault
    /// classifier over the OpenAI SDK, whose <c>reasoning</c> field (current vLLM, Ollama) is read beside the
    /// <c>reasoning_content</c> the SDK adapter maps. The API key is read from <see cref="EndpointOptions.ApiKeyEnv"/> now and
    /// kept only inside the SDK credential.
    /// </summary>
    /// <param name="options">The endpoint; validated here.</param>
    /// <param name="stats">Counters to add to (shared by several clients for one run total); a new one when null.</param>
    /// <param name="environment">Reads environment variables; <see cref="Environment.GetEnvironmentVariable(string)"/> when null (tests pass their own).</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="EndpointException"><see cref="EndpointOptions.ApiKeyEnv"/> names a variable that is not set.</exception>
    public static IChatClient Create(EndpointOptions options, EndpointStats? stats = null, Func<string, string?>? environment = null) =>
        Build(options, stats, environment, null, (url, http, key) => PerUrl(url, options, key, http));

    /// <summary>
    /// The same stack (stats, retry with per-attempt timeout, rate limits, max in flight, failover, fault classifier)
    /// over a completions scoring leaf per URL instead of the SDK's chat client: what <see cref="EndpointScorer"/> sends
    /// through, so scoring is paced, retried and counted like every other call to the endpoint.
    /// </summary>
    /// <param name="handler">Transport for tests; a pooled SocketsHttpHandler when null.</param>
    internal static IChatClient CreateScoring(EndpointOptions options, ScoringApi api, Func<string, string?>? environment, HttpMessageHandler? handler) =>
        Build(options, null, environment, handler, (url, http, key) => new CompletionsScoringClient(url, http, key, options, api));

    private static IChatClient Build(EndpointOptions options, EndpointStats? stats, Func<string, string?>? environment, HttpMessageHandler? handler,
        Func<string, HttpClient, string, IChatClient> leaf)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var key = ReadKey(options, environment ?? Environment.GetEnvironmentVariable);
        var redactor = new SecretRedactor(key);
        stats ??= new EndpointStats(options.Prices);

        var http = new HttpClient(handler ?? CreateHandler(options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        var members = options.BaseUrls.Select(url =>
            ((IChatClient)new FaultClassifyingChatClient(leaf(url, http, key), url, options.Model, options.ApiKeyEnv, redactor), url)).ToList();
        IChatClient client = new LoadBalancingChatClient(members, owned: http);
        client = new ConcurrencyLimitingChatClient(client, options.MaxInFlight);
        if (options.RequestsPerMinute is not null || options.TokensPerMinute is not null)
            client = new RateLimitingChatClient(client, options.RequestsPerMinute, options.TokensPerMinute);
        client = new RetryingChatClient(client, options, stats);
        client = new SamplingExtrasChatClient(client, options);
        return new ObservingChatClient(client, stats);
    }

    /// <summary>The key's value, or a placeholder when no variable is named (local engines ignore the header).</summary>
    internal static string ReadKey(EndpointOptions options, Func<string, string?> environment)
    {
        if (options.ApiKeyEnv is null) return "EMPTY";
        var key = environment(options.ApiKeyEnv);
        if (string.IsNullOrEmpty(key))
            throw new EndpointException($"endpoint {options.BaseUrls[0]}: endpoint.api_key_env {MissingKey(options.ApiKeyEnv)}", cause: FaultCauses.MissingKey);
        return key;
    }

    /// <summary>What to say about an unset key variable, after the key's name: "names X, which is not set: ...".</summary>
    public static string MissingKey(string variable) =>
        $"names {variable}, which is not set: export {variable}=<key> before the run, or remove api_key_env for a local engine";

    // why: one pooled connection per request in flight; without a cap SocketsHttpHandler opens one per waiting request.
    public static SocketsHttpHandler CreateHandler(EndpointOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout,
        MaxConnectionsPerServer = options.MaxInFlight,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10), // why: picks up DNS changes behind a load balancer
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false, // why: endpoints are usually cluster-local; a proxy from the environment would swallow them
    };

    private static IChatClient PerUrl(string url, EndpointOptions options, string key, HttpClient http)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(url),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // why: RetryingChatClient retries, with causes counted
            // why: our attempt timeout fires first. Setting it at all also matters: with the SDK's default (100 s) the
            // bare SDK client ran at 3,000 req/s against 7,450 req/s with it set (`ded bench client`, 2 cores).
            NetworkTimeout = options.AttemptTimeout + TimeSpan.FromMinutes(1),
        };
        var redactor = new SecretRedactor(key);
        clientOptions.AddPolicy(new AnswerBodyPolicy(url, redactor), PipelinePosition.PerTry);
        IChatClient chat = new ReasoningFieldChatClient(new ChatClient(options.Model, new ApiKeyCredential(key), clientOptions).AsIChatClient());
        return options.Stream ? new StreamAssemblingChatClient(chat, url, redactor) : chat;
    }
}
