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
    public static IChatClient Create(EndpointOptions options, EndpointStats? stats = null, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var key = ReadKey(options, environment ?? Environment.GetEnvironmentVariable);
        var redactor = new SecretRedactor(key);
        stats ??= new EndpointStats(options.Prices);

        var http = new HttpClient(CreateHandler(options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        var members = options.BaseUrls.Select(url => (PerUrl(url, options, key, http, redactor), url)).ToList();
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
            throw new EndpointException(
                $"endpoint {options.BaseUrls[0]}: endpoint.api_key_env names {options.ApiKeyEnv}, which is not set: " +
                $"export {options.ApiKeyEnv}=<key> before the run, or remove api_key_env for a local engine");
        return key;
    }

    // why: one pooled connection per request in flight; without a cap SocketsHttpHandler opens one per waiting request.
    internal static SocketsHttpHandler CreateHandler(EndpointOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout,
        MaxConnectionsPerServer = options.MaxInFlight,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10), // why: picks up DNS changes behind a load balancer
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false, // why: endpoints are usually cluster-local; a proxy from the environment would swallow them
    };

    private static IChatClient PerUrl(string url, EndpointOptions options, string key, HttpClient http, SecretRedactor redactor)
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
        IChatClient chat = new ReasoningFieldChatClient(new ChatClient(options.Model, new ApiKeyCredential(key), clientOptions).AsIChatClient());
        if (options.Stream) chat = new StreamAssemblingChatClient(chat, url);
        return new FaultClassifyingChatClient(chat, url, options.Model, options.ApiKeyEnv, redactor);
    }
}
