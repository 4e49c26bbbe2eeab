using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ded.Cli.Serving;

/// <summary>
/// An OpenAI-compatible HTTP server on loopback (Kestrel) over one <see cref="IServedModel"/>: <c>GET /v1/models</c>,
/// <c>GET /v1/models/{id}</c>, <c>POST /v1/chat/completions</c> (n, temperature, top_p, seed, max_tokens, stop, logprobs,
/// stream), <c>POST /v1/completions</c> (echo, logprobs, vLLM's prompt_logprobs) and <c>GET /stats</c>. The wire format is
/// written by hand over System.Text.Json: the OpenAI SDK has client types only. Every refusal is an OpenAI error body
/// (<see cref="ApiException"/>); what it holds at most is <see cref="ServeLimits"/>.
/// </summary>
internal sealed class OpenAiServer : IAsyncDisposable
{
    private const int StreamPiece = 32; // characters per SSE content chunk: several chunks per answer exercise clients' assembly
    private const string GeneratePolicy = "generate";
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };
    private readonly WebApplication _app;
    private readonly IServedModel _model;
    private readonly ServeLimits _limits;
    private readonly ServerStats _stats = new();
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private long _ids;

    private OpenAiServer(WebApplication app, IServedModel model, ServeLimits limits) => (_app, _model, _limits) = (app, model, limits);

    /// <summary>Fires when the host stops (it handles SIGTERM and Ctrl+C itself, before the command line sees them).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>The base URL clients use, ending in <c>/v1</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Starts listening on 127.0.0.1:<see cref="ServeOptions.Port"/> (0: a free port).</summary>
    public static async Task<OpenAiServer> StartAsync(IServedModel model, ServeOptions options, CancellationToken ct)
    {
        var limits = options.Limits;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => Configure(k, options.Port, limits));
        // why: the socket transport buffers its own input (1 MiB by default); without this each waiting connection holds a MiB
        builder.WebHost.UseSockets(s => (s.MaxReadBufferSize, s.MaxWriteBufferSize) = (ServeLimits.ConnectionBufferBytes, ServeLimits.ConnectionBufferBytes));
        builder.Services.AddCors(c => c.AddDefaultPolicy(p => p.WithOrigins([.. options.CorsOrigins])
            .WithMethods("GET", "POST").WithHeaders("authorization", "content-type")));
        builder.Services.AddRateLimiter(r =>
        {
            r.AddConcurrencyLimiter(GeneratePolicy, c => (c.PermitLimit, c.QueueLimit, c.QueueProcessingOrder) =
                (limits.MaxConcurrent, limits.MaxQueued, QueueProcessingOrder.OldestFirst));
            r.OnRejected = (rejected, _) => new ValueTask(new ApiException(429,
                $"ded serve is running {limits.MaxConcurrent} requests with {limits.MaxQueued} waiting; retry after a second (--max-concurrent, --max-queued).",
                null, "rate_limit_exceeded") { RetryAfterSeconds = 1 }.WriteAsync(rejected.HttpContext, isBodyUnread: true));
        });
        var app = builder.Build();
        var server = new OpenAiServer(app, model, limits);
        var guard = new RequestGuard(options, server._stats, app.Lifetime.ApplicationStopping);
        // why: routing's own 404/405 and anything else without a body still answer in OpenAI's error shape.
        app.UseStatusCodePages(s => new ApiException(s.HttpContext.Response.StatusCode,
            $"{s.HttpContext.Request.Method} {s.HttpContext.Request.Path} is not served here: {ServedRoutes}").WriteAsync(s.HttpContext));
        app.Use(server.CountAsync);
        app.Use(guard.InvokeAsync);
        app.UseCors();
        app.UseRateLimiter();
        app.MapGet("/v1/models", server.Models);
        app.MapGet("/v1/models/{**id}", server.RetrieveModel);
        app.MapPost("/v1/chat/completions", ctx => server.HandleAsync(ctx, OpenAiRequests.Chat, server.ChatAsync)).RequireRateLimiting(GeneratePolicy);
        app.MapPost("/v1/completions", ctx => server.HandleAsync(ctx, OpenAiRequests.Completion, server.CompleteAsync)).RequireRateLimiting(GeneratePolicy);
        app.MapGet("/stats", () => Results.Text(server._stats.ToJson().ToJsonString(), "application/json"));
        await app.StartAsync(ct);
        server.BaseUrl = app.Urls.First().Replace("localhost", "127.0.0.1") + "/v1";
        return server;
    }

    public const string ServedRoutes = "GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, POST /v1/completions, GET /stats";

    private static void Configure(KestrelServerOptions k, int port, ServeLimits limits)
    {
        k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1);
        k.AddServerHeader = false;
        k.Limits.MaxRequestBodySize = limits.MaxRequestBytes; // a chunked body is cut off here too (413)
        k.Limits.MaxConcurrentConnections = limits.MaxConnections;
        k.Limits.MaxRequestBufferSize = ServeLimits.ConnectionBufferBytes;
        k.Limits.MaxResponseBufferSize = ServeLimits.ConnectionBufferBytes;
        k.Limits.RequestHeadersTimeout = limits.BodyTimeout;
    }

    private JsonObject ModelObject() => new() { ["id"] = _model.Id, ["object"] = "model", ["created"] = _created, ["owned_by"] = "ded" };

    private IResult Models() => Json(new JsonObject { ["object"] = "list", ["data"] = new JsonArray(ModelObject()) });

    /// <summary>openai-python's <c>models.retrieve</c> sends the id percent-encoded as one path segment ("lab%2Fcareful",
    /// openai/openai-python@e43b422412a9e96c9cc5192c61fffbe2d7e04836:src/openai/_utils/_path.py); Kestrel keeps "%2F"
    /// encoded in the path, so the id is read from the raw target and decoded once. A plain "lab/careful" works too.</summary>
    private IResult RetrieveModel(HttpContext ctx)
    {
        const string prefix = "/v1/models/";
        var target = ctx.Features.Get<IHttpRequestFeature>()!.RawTarget.Split('?', 2)[0]; // origin or absolute form
        var id = Uri.UnescapeDataString(target[(target.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..]);
        return id == _model.Id ? Json(ModelObject())
            : new ApiException(404, $"The model '{id}' does not exist: this server serves '{_model.Id}'.", "model", "model_not_found").ToResult();
    }

    /// <summary>Counts every request by path (but /stats itself) before routing.</summary>
    private async Task CountAsync(HttpContext ctx, RequestDelegate next)
    {
        var path = ctx.Request.Path.Value ?? "";
        if (path == "/stats")
        {
            await next(ctx);
            return;
        }
        _stats.Started(path);
        try
        {
            await next(ctx);
        }
        finally
        {
            _stats.Finished();
        }
    }

    /// <summary>Reads, checks and runs one generation request; every failure answers in OpenAI's error shape.</summary>
    private async Task HandleAsync<T>(HttpContext ctx, Func<JsonElement, T> parse, Func<T, HttpContext, Task<IResult>> run) where T : IOpenAiRequest
    {
        try
        {
            var request = await ReadAsync(ctx, parse);
            if (request.Model is { } model && model != _model.Id)
                throw new ApiException(404, $"model '{model}' is not served here; this server serves '{_model.Id}'", "model", "model_not_found");
            await (await run(request, ctx)).ExecuteAsync(ctx);
        }
        catch (ApiException e)
        {
            await e.WriteAsync(ctx, isBodyUnread: e.Status is 408 or 413 || e.Code == "malformed_body");
        }
        catch (BadRequestException e)
        {
            await new ApiException(400, e.Message).WriteAsync(ctx);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // the client went away: nobody reads an answer
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"ded serve: {ctx.Request.Path} failed: {e.GetType().Name}: {e.Message}");
            await new ApiException(500, $"ded serve failed on this request ({e.GetType().Name}); see its stderr.").WriteAsync(ctx);
        }
    }

    /// <summary>The body into a pooled buffer (never more than the limit), then checked UTF-8 and JSON, then typed.
    /// The buffer and the parsed document are released before the model runs.</summary>
    private async Task<T> ReadAsync<T>(HttpContext ctx, Func<JsonElement, T> parse) where T : IOpenAiRequest
    {
        int capacity = (int)Math.Min(ctx.Request.ContentLength ?? _limits.MaxRequestBytes, _limits.MaxRequestBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, capacity));
        try
        {
            var body = buffer.AsMemory(0, await ReadBodyAsync(ctx, buffer, capacity));
            if (!Utf8.IsValid(body.Span)) throw new ApiException(400, "The request body is not valid UTF-8.", null, "invalid_encoding");
            using var document = ParseJson(body);
            var request = parse(document.RootElement);
            _stats.Body(ctx.Request.Path.Value!, body.Span, request.Sampling.Seed);
            return request;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>JSON with at most <see cref="ServeLimits.MaxJsonValues"/> values, no duplicate keys, depth at most 64.</summary>
    private static JsonDocument ParseJson(ReadOnlyMemory<byte> body)
    {
        try
        {
            // why: JsonDocument keeps a 12-byte row per value, so a body of "[],[],..." costs 12 times its size;
            // counting first (Utf8JsonReader allocates nothing) bounds that index whatever the body's shape.
            var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = JsonOptions.MaxDepth });
            for (int values = 0; reader.Read();)
                if (++values > ServeLimits.MaxJsonValues)
                    throw new ApiException(400, $"The request body holds more than {ServeLimits.MaxJsonValues} JSON values; send fewer messages or parts.", null, "too_many_values");
            return JsonDocument.Parse(body, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ApiException(400, $"We could not parse the JSON body of your request: {e.Message}", null, "invalid_json");
        }
    }

    /// <summary>Reads at most <paramref name="capacity"/> bytes within <see cref="ServeLimits.BodyTimeout"/>; Kestrel's
    /// MinRequestBodyDataRate (240 bytes/s after 5 s) ends a trickle sooner.</summary>
    private async Task<int> ReadBodyAsync(HttpContext ctx, byte[] buffer, int capacity)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        timeout.CancelAfter(_limits.BodyTimeout);
        int length = 0;
        try
        {
            while (length < capacity && await ctx.Request.Body.ReadAsync(buffer.AsMemory(length, capacity - length), timeout.Token) is var read and > 0)
                length += read;
            if (length == capacity && await ctx.Request.Body.ReadAsync(new byte[1], timeout.Token) > 0)
                throw TooLarge();
            return length;
        }
        catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            throw BodyTimedOut();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            throw e.StatusCode switch
            {
                413 => TooLarge(),
                408 => BodyTimedOut(),
                _ => new ApiException(e.StatusCode, $"The request body is malformed: {e.Message}", null, "malformed_body"),
            };
        }
    }

    private ApiException TooLarge() =>
        new(413, $"The request body is over {_limits.MaxRequestBytes} bytes, the most ded serve takes (--max-request-bytes).", null, "request_too_large");

    private ApiException BodyTimedOut() =>
        new(408, $"The request body did not arrive in time (all of it within {_limits.BodyTimeout.TotalSeconds:0} s, at least 240 bytes/s).", null, "request_timeout");

    private async Task<IResult> ChatAsync(ChatRequest request, HttpContext ctx)
    {
        var generation = await _model.ChatAsync(request.Messages, request.Sampling, ctx.RequestAborted);
        var id = $"chatcmpl-{Interlocked.Increment(ref _ids)}";
        if (request.IsStream)
        {
            await StreamAsync(ctx, id, generation, request.IncludeUsage);
            return Results.Empty;
        }
        return Json(new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion", ["created"] = Now(), ["model"] = _model.Id,
            ["choices"] = new JsonArray([.. generation.Choices.Select((c, i) => (JsonNode)new JsonObject
            {
                ["index"] = i,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = c.Text },
                ["logprobs"] = ChatLogprobs(c.Logprobs),
                ["finish_reason"] = c.FinishReason,
            })]),
            ["usage"] = Usage(generation),
        });
    }

    private async Task<IResult> CompleteAsync(CompletionRequest request, HttpContext ctx)
    {
        var (prompt, echo, logprobs, promptLogprobs) = (request.Prompt, request.IsEcho, request.Sampling.Logprobs, request.IsPromptLogprobs);
        var generation = await _model.CompleteAsync(prompt, request.Sampling, promptLogprobs || (echo && logprobs), ctx.RequestAborted);
        return Json(new JsonObject
        {
            ["id"] = $"cmpl-{Interlocked.Increment(ref _ids)}", ["object"] = "text_completion", ["created"] = Now(), ["model"] = _model.Id,
            ["choices"] = new JsonArray([.. generation.Choices.Select((c, i) => (JsonNode)new JsonObject
            {
                ["index"] = i,
                ["text"] = echo ? prompt + c.Text : c.Text,
                ["logprobs"] = logprobs ? LegacyLogprobs((echo ? generation.PromptLogprobs! : []).Concat(c.Logprobs ?? [])) : null,
                ["finish_reason"] = c.FinishReason,
                ["prompt_logprobs"] = promptLogprobs ? VllmPromptLogprobs(generation.PromptLogprobs!) : null,
                ["prompt_token_ids"] = promptLogprobs ? new JsonArray([.. generation.PromptLogprobs!.Select(t => (JsonNode)t.Id)]) : null,
            })]),
            ["usage"] = Usage(generation),
        });
    }

    /// <summary>SSE as OpenAI streams it: a role chunk, content in pieces, a finish chunk per choice, usage when asked, [DONE].
    /// The answer is generated whole first; streaming here is about the wire format, not latency.</summary>
    private async Task StreamAsync(HttpContext ctx, string id, Generation generation, bool usage)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        var ct = ctx.RequestAborted;
        foreach (var (choice, i) in generation.Choices.Select((c, i) => (c, i)))
        {
            await ChunkAsync(ctx, id, Delta(i, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null), ct);
            for (int at = 0; at < choice.Text.Length; at += StreamPiece)
                await ChunkAsync(ctx, id, Delta(i, new JsonObject { ["content"] = choice.Text.Substring(at, Math.Min(StreamPiece, choice.Text.Length - at)) }, null), ct);
            await ChunkAsync(ctx, id, Delta(i, new JsonObject(), choice.FinishReason), ct);
        }
        if (usage) await ChunkAsync(ctx, id, null, ct, Usage(generation));
        await ctx.Response.WriteAsync("data: [DONE]\n\n", ct);
    }

    private static JsonObject Delta(int index, JsonObject delta, string? finish) =>
        new() { ["index"] = index, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish };

    private async Task ChunkAsync(HttpContext ctx, string id, JsonObject? choice, CancellationToken ct, JsonObject? usage = null)
    {
        var chunk = new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = Now(), ["model"] = _model.Id,
            ["choices"] = choice is null ? new JsonArray() : new JsonArray(choice),
        };
        if (usage is not null) chunk["usage"] = usage;
        await ctx.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", ct);
        await ctx.Response.Body.FlushAsync(ct);
    }

    private static JsonObject? ChatLogprobs(IReadOnlyList<TokenLogProb>? tokens) => tokens is null ? null : new JsonObject
    {
        ["content"] = new JsonArray([.. tokens.Select(t => (JsonNode)new JsonObject
        {
            ["token"] = t.Token, ["logprob"] = t.LogProb,
            ["bytes"] = new JsonArray([.. Encoding.UTF8.GetBytes(t.Token).Select(b => (JsonNode)(int)b)]),
            ["top_logprobs"] = new JsonArray(),
        })]),
    };

    /// <summary>The legacy completions form: tokens, token_logprobs (null for the first), text_offset.</summary>
    private static JsonObject LegacyLogprobs(IEnumerable<TokenLogProb> tokens)
    {
        var list = tokens.ToList();
        var offsets = new JsonArray();
        int offset = 0;
        foreach (var t in list)
        {
            offsets.Add(offset);
            offset += t.Token.Length;
        }
        return new JsonObject
        {
            ["tokens"] = new JsonArray([.. list.Select(t => (JsonNode)t.Token)]),
            ["token_logprobs"] = new JsonArray([.. list.Select(t => t.LogProb is { } v ? (JsonNode)v : null)]),
            ["top_logprobs"] = null,
            ["text_offset"] = offsets,
        };
    }

    /// <summary>vLLM's shape (vllm-project/vllm@030ea52effcb05071543c8c42b8f0145e94cee43): per position {"id": {logprob,
    /// rank, decoded_token}}, the first null, -inf clamped to -9999.0 as its clamp_prompt_logprobs does.</summary>
    private static JsonArray VllmPromptLogprobs(IReadOnlyList<TokenLogProb> tokens) =>
        new([.. tokens.Select(t => t.LogProb is { } v
            ? new JsonObject
            {
                [t.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
                {
                    ["logprob"] = double.IsNegativeInfinity(v) ? -9999.0 : v, ["rank"] = t.Rank, ["decoded_token"] = t.Token,
                },
            }
            : (JsonNode?)null)]);

    private static JsonObject Usage(Generation g)
    {
        int completion = g.Choices.Sum(c => c.CompletionTokens);
        return new JsonObject { ["prompt_tokens"] = g.PromptTokens, ["completion_tokens"] = completion, ["total_tokens"] = g.PromptTokens + completion };
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json");

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _model.Dispose();
    }
}
