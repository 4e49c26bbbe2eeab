using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Ded.Cli.Serving;

/// <summary>
/// An OpenAI-compatible HTTP server on loopback (Kestrel) over one <see cref="IServedModel"/>: <c>GET /v1/models</c>,
/// <c>POST /v1/chat/completions</c> (n, temperature, top_p, seed, max_tokens, stop, logprobs, stream),
/// <c>POST /v1/completions</c> (echo, logprobs, vLLM's prompt_logprobs) and <c>GET /stats</c>. The wire format is
/// written by hand over System.Text.Json: the OpenAI SDK has client types only.
/// </summary>
internal sealed class OpenAiServer : IAsyncDisposable
{
    private const int StreamPiece = 32; // characters per SSE content chunk: several chunks per answer exercise clients' assembly
    private readonly WebApplication _app;
    private readonly IServedModel _model;
    private readonly byte[]? _key;
    private readonly ServerStats _stats = new();
    private long _ids;

    private OpenAiServer(WebApplication app, IServedModel model, string? key) =>
        (_app, _model, _key) = (app, model, key is null ? null : Encoding.UTF8.GetBytes("Bearer " + key));

    /// <summary>Fires when the host stops (it handles SIGTERM and Ctrl+C itself, before the command line sees them).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>The base URL clients use, ending in <c>/v1</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/> (0: a free port).</summary>
    /// <param name="key">When set, every /v1 request must carry <c>Authorization: Bearer KEY</c>.</param>
    public static async Task<OpenAiServer> StartAsync(IServedModel model, int port, string? key, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new OpenAiServer(app, model, key);
        app.Use(server.CountAsync);
        app.MapGet("/v1/models", server.Models);
        app.MapPost("/v1/chat/completions", ctx => server.HandleAsync(ctx, server.ChatAsync));
        app.MapPost("/v1/completions", ctx => server.HandleAsync(ctx, server.CompleteAsync));
        app.MapGet("/stats", () => Results.Text(server._stats.ToJson().ToJsonString(), "application/json"));
        await app.StartAsync(ct);
        server.BaseUrl = app.Urls.First().Replace("localhost", "127.0.0.1") + "/v1";
        return server;
    }

    private IResult Models(HttpContext ctx) => !Authorized(ctx) ? Error(401, "missing or wrong API key (Authorization: Bearer ...)")
        : Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject { ["id"] = _model.Id, ["object"] = "model", ["created"] = 0, ["owned_by"] = "ded" }),
        });

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

    private async Task HandleAsync(HttpContext ctx, Func<JsonNode, HttpContext, Task<IResult>> handler)
    {
        IResult result;
        if (!Authorized(ctx)) result = Error(401, "missing or wrong API key (Authorization: Bearer ...)");
        else
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            result = await ParseAndRunAsync(ctx, ctx.Request.Path.Value!, buffer.ToArray(), handler);
        }
        await result.ExecuteAsync(ctx);
    }

    private async Task<IResult> ParseAndRunAsync(HttpContext ctx, string path, byte[] body, Func<JsonNode, HttpContext, Task<IResult>> handler)
    {
        try
        {
            var json = JsonNode.Parse(body) as JsonObject ?? throw new BadRequestException("the body must be a JSON object");
            _stats.Body(path, body, Long(json, "seed"));
            var model = json["model"]?.GetValue<string>();
            if (model is not null && model != _model.Id) return Error(404, $"model '{model}' is not served here; this server serves '{_model.Id}'");
            return await handler(json, ctx);
        }
        catch (Exception e) when (e is JsonException or BadRequestException or InvalidOperationException or FormatException)
        {
            return Error(400, e.Message);
        }
    }

    private async Task<IResult> ChatAsync(JsonNode json, HttpContext ctx)
    {
        var messages = (json["messages"] as JsonArray ?? throw new BadRequestException("messages is required (a list of {role, content})"))
            .Select(m => new ChatMessage(new ChatRole(m?["role"]?.GetValue<string>() ?? "user"), Content(m?["content"]))).ToList();
        var sampling = Sampling(json, logprobs: json["logprobs"]?.GetValue<bool>() == true);
        var generation = await _model.ChatAsync(messages, sampling, ctx.RequestAborted);
        var id = $"chatcmpl-{Interlocked.Increment(ref _ids)}";
        if (json["stream"]?.GetValue<bool>() == true)
        {
            bool usage = json["stream_options"]?["include_usage"]?.GetValue<bool>() == true;
            await StreamAsync(ctx, id, generation, usage);
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

    private async Task<IResult> CompleteAsync(JsonNode json, HttpContext ctx)
    {
        if (json["stream"]?.GetValue<bool>() == true) throw new BadRequestException("stream: ded serve streams chat completions only; send stream: false");
        var prompt = json["prompt"] is JsonValue p && p.TryGetValue<string>(out var text) ? text
            : throw new BadRequestException("prompt must be one string");
        bool echo = json["echo"]?.GetValue<bool>() == true;
        bool logprobs = json["logprobs"] is JsonValue lp && lp.GetValue<int>() >= 0; // legacy API: an int, the number of alternatives
        bool promptLogprobs = json["prompt_logprobs"] is JsonValue plp && plp.GetValue<int>() >= 0;
        var generation = await _model.CompleteAsync(prompt, Sampling(json, logprobs), promptLogprobs || (echo && logprobs), ctx.RequestAborted);
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

    private static SamplingRequest Sampling(JsonNode json, bool logprobs)
    {
        int n = json["n"]?.GetValue<int>() ?? 1;
        if (n is < 1 or > 128) throw new BadRequestException($"n must be in 1..128 (got {n})");
        int? maxTokens = json["max_completion_tokens"]?.GetValue<int>() ?? json["max_tokens"]?.GetValue<int>();
        if (maxTokens is < 0) throw new BadRequestException($"max_tokens must be >= 0 (got {maxTokens})");
        var stop = json["stop"] switch
        {
            null => [],
            JsonArray a => a.Select(s => s!.GetValue<string>()).ToList(),
            var one => new List<string> { one.GetValue<string>() },
        };
        return new SamplingRequest
        {
            N = n, Temperature = json["temperature"]?.GetValue<double>(), TopP = json["top_p"]?.GetValue<double>(),
            Seed = Long(json, "seed"), MaxTokens = maxTokens, Stop = stop, Logprobs = logprobs,
        };
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

    /// <summary>vLLM's form: [null, {"ID": {"logprob", "decoded_token"}}, …], the first (BOS) without context.</summary>
    private static JsonArray VllmPromptLogprobs(IReadOnlyList<TokenLogProb> tokens) =>
        new([.. tokens.Select(t => t.LogProb is { } v
            ? new JsonObject { [t.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject { ["logprob"] = v, ["decoded_token"] = t.Token } }
            : (JsonNode?)null)]);

    private static JsonObject Usage(Generation g)
    {
        int completion = g.Choices.Sum(c => c.CompletionTokens);
        return new JsonObject { ["prompt_tokens"] = g.PromptTokens, ["completion_tokens"] = completion, ["total_tokens"] = g.PromptTokens + completion };
    }

    private static string Content(JsonNode? content) => content switch
    {
        null => "",
        JsonValue v => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Where(p => p?["type"]?.GetValue<string>() == "text").Select(p => p!["text"]!.GetValue<string>())),
        _ => throw new BadRequestException("message content must be a string or a list of text parts"),
    };

    private static long? Long(JsonNode json, string field) => json[field]?.GetValue<long>();

    private bool Authorized(HttpContext ctx)
    {
        if (_key is null) return true;
        var given = Encoding.UTF8.GetBytes(ctx.Request.Headers.Authorization.ToString());
        if (CryptographicOperations.FixedTimeEquals(given, _key)) return true; // why: no timing side channel on the key
        _stats.Unauthorized();
        return false;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json");

    private static IResult Error(int status, string message) => Results.Text(
        new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = status == 401 ? "authentication_error" : "invalid_request_error", ["code"] = status } }.ToJsonString(),
        "application/json", Encoding.UTF8, status);

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _model.Dispose();
    }
}
