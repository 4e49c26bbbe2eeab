using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ded.Tests.Endpoints;

/// <summary>How the fault server behaves.</summary>
public sealed record FaultServerOptions
{
    /// <summary>Fraction of attempts faulted.</summary>
    public double FaultRate { get; init; }
    /// <summary>Seed of the fault choice.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Retry-After header value sent with 429s.</summary>
    public string RetryAfter { get; init; } = "1";
    /// <summary>When set, every request gets this status (with <see cref="FixedBody"/> and no answer).</summary>
    public int? FixedStatus { get; init; }
    /// <summary>Body sent with <see cref="FixedStatus"/>; "{auth}" is replaced by the request's Authorization header.</summary>
    public string FixedBody { get; init; } = "{\"error\":{\"message\":\"no\"}}";
    /// <summary>When set, attempt k of each request is faulted with this fault for k below <see cref="ScriptedFaultAttempts"/>.</summary>
    public Fault? ScriptedFault { get; init; }
    public int ScriptedFaultAttempts { get; init; } = 1;
    /// <summary>Finish reason of answers.</summary>
    public string FinishReason { get; init; } = "stop";
    /// <summary>Delay before answering, to hold requests in flight.</summary>
    public TimeSpan AnswerDelay { get; init; }
    /// <summary>Reasoning returned apart from the answer, under <see cref="ReasoningFields"/>, when set.</summary>
    public string? ReasoningContent { get; init; }
    /// <summary>The fields the reasoning goes in, in the message and in stream deltas (before the answer's deltas).</summary>
    public IReadOnlyList<string> ReasoningFields { get; init; } = ["reasoning_content"];
    /// <summary>Reasoning fields sent as JSON null in every answer delta (engines that do not drop unset fields).</summary>
    public bool NullReasoningInAnswerDeltas { get; init; }
    /// <summary>Text before the answer in <c>content</c>: inline reasoning from an engine without a reasoning parser.</summary>
    public string ContentPrefix { get; init; } = "";
    /// <summary>When set, requests whose joined messages it accepts get <see cref="FixedStatus"/> (the others are answered).</summary>
    public Func<string, bool>? FixedStatusWhen { get; init; }
}

/// <summary>What the fault server does with one attempt.</summary>
public enum Fault { None, ServerError, RateLimited, Stall, Malformed, Cut, EmptyChoices, ErrorBody }

/// <summary>
/// A loopback OpenAI chat-completions server (Kestrel) for tests. The answer to a request is a pure function of
/// its messages (<see cref="ExpectedAnswer"/>); whether attempt k of a request is faulted, and how, is a pure
/// function of (seed, messages, k), so a run is deterministic however requests interleave.
/// </summary>
public sealed class FaultServer : IAsyncDisposable
{
    private static readonly Fault[] Kinds = [Fault.ServerError, Fault.RateLimited, Fault.Stall, Fault.Malformed, Fault.Cut];
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentDictionary<Fault, int> _faults = new();
    private int _requests, _concurrent, _maxConcurrent;

    public FaultServerOptions Options { get; }
    public string BaseUrl { get; private set; } = "";
    public int Requests => Volatile.Read(ref _requests);
    /// <summary>Most requests the server held at once.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);
    public IReadOnlyDictionary<Fault, int> Faults => _faults;
    public ConcurrentQueue<string> Bodies { get; } = new();
    public ConcurrentQueue<string> AuthorizationHeaders { get; } = new();

    private FaultServer(WebApplication app, FaultServerOptions options) => (_app, Options) = (app, options);

    public static async Task<FaultServer> StartAsync(FaultServerOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FaultServer(app, options);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.First() + "/v1";
        return server;
    }

    /// <summary>The answer the server gives to these user message texts.</summary>
    public static string ExpectedAnswer(string joinedMessages) =>
        "answer-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(joinedMessages)))[..16];

    private async Task HandleAsync(HttpContext ctx)
    {
        var now = Interlocked.Increment(ref _concurrent);
        for (int seen; now > (seen = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen;) { }
        try
        {
            if (Options.AnswerDelay > TimeSpan.Zero) await Task.Delay(Options.AnswerDelay);
            await AnswerAsync(ctx);
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
        }
    }

    private async Task AnswerAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        AuthorizationHeaders.Enqueue(ctx.Request.Headers.Authorization.ToString());
        var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
        Bodies.Enqueue(body);
        var json = JsonNode.Parse(body)!;
        var joined = string.Join("\n", json["messages"]!.AsArray().Select(m => m!["content"]!.GetValue<string>()));
        var stream = json["stream"]?.GetValue<bool>() == true;
        if (Options.FixedStatus is { } status && Options.FixedStatusWhen?.Invoke(joined) != false)
        {
            ctx.Response.StatusCode = status;
            await ctx.Response.WriteAsync(Options.FixedBody.Replace("{auth}", ctx.Request.Headers.Authorization.ToString()));
            return;
        }
        var attempt = _attempts.AddOrUpdate(joined, 0, (_, k) => k + 1);
        var fault = Decide(joined, attempt);
        if (fault != Fault.None) _faults.AddOrUpdate(fault, 1, (_, n) => n + 1);
        var answer = Options.ContentPrefix + ExpectedAnswer(joined);
        switch (fault)
        {
            case Fault.ServerError:
                ctx.Response.StatusCode = 500;
                await ctx.Response.WriteAsync("{\"error\":{\"message\":\"injected\"}}");
                return;
            case Fault.RateLimited:
                ctx.Response.StatusCode = 429;
                ctx.Response.Headers.RetryAfter = Options.RetryAfter;
                await ctx.Response.WriteAsync("{\"error\":{\"message\":\"slow down\"}}");
                return;
            case Fault.Stall:
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { });
                return;
            case Fault.Malformed:
                ctx.Response.ContentType = stream ? "text/event-stream" : "application/json";
                await ctx.Response.WriteAsync(stream ? "data: {\"choices\": [ {oops\n\n" : "{\"id\": \"x\", \"choices\": [ {oops");
                return;
            case Fault.EmptyChoices or Fault.ErrorBody:
                await NoAnswerAsync(ctx, answer, stream, fault);
                return;
        }
        if (stream) await StreamAsync(ctx, answer, cut: fault == Fault.Cut, cleanCut: attempt % 2 == 0);
        else await WholeAsync(ctx, answer, cut: fault == Fault.Cut);
    }

    private Fault Decide(string joined, int attempt)
    {
        if (Options.ScriptedFault is { } scripted) return attempt < Options.ScriptedFaultAttempts ? scripted : Fault.None;
        if (Options.FaultRate <= 0) return Fault.None;
        var h = SHA256.HashData(Encoding.UTF8.GetBytes($"{Options.Seed}|{attempt}|{joined}"));
        var u = BitConverter.ToUInt32(h, 0) / (double)uint.MaxValue;
        return u < Options.FaultRate ? Kinds[h[4] % Kinds.Length] : Fault.None;
    }

    private async Task WholeAsync(HttpContext ctx, string answer, bool cut)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = answer };
        if (Options.ReasoningContent is not null)
            foreach (var field in Options.ReasoningFields) message[field] = Options.ReasoningContent;
        var bytes = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["id"] = "chatcmpl-1", ["object"] = "chat.completion", ["created"] = 0, ["model"] = "fault-model",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = Options.FinishReason }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
        }.ToJsonString());
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = bytes.Length;
        if (!cut)
        {
            await ctx.Response.Body.WriteAsync(bytes);
            return;
        }
        await ctx.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
        await ctx.Response.Body.FlushAsync();
        ctx.Abort();
    }

    // A 200 without an answer, as proxies and engines send them: `choices: []`, or an error object (vLLM streams one
    // mid-answer as `data: {"error": {...}}`, vllm-project/vllm@ec3b890c14b00f6670515d9df8d503b5270e95ca:vllm/entrypoints/openai/protocol.py ErrorInfo).
    private static async Task NoAnswerAsync(HttpContext ctx, string answer, bool stream, Fault fault)
    {
        const string error = "{\"error\":{\"message\":\"engine overloaded\",\"type\":\"InternalServerError\",\"param\":null,\"code\":500}}";
        const string empty = "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"fault-model\",\"choices\":[]}";
        if (!stream)
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(fault == Fault.ErrorBody ? error : empty);
            return;
        }
        ctx.Response.ContentType = "text/event-stream";
        await Chunk(ctx, Delta([("role", "assistant"), ("content", answer[..7])]));
        await ctx.Response.WriteAsync($"data: {(fault == Fault.ErrorBody ? error : empty)}\n\ndata: [DONE]\n\n");
    }

    private async Task StreamAsync(HttpContext ctx, string answer, bool cut, bool cleanCut)
    {
        ctx.Response.ContentType = "text/event-stream";
        // As vLLM and SGLang stream it: the role first, then the reasoning deltas, then the answer's.
        (string, JsonNode?)[] role = [("role", "assistant")];
        var reasoning = Options.ReasoningContent;
        if (reasoning is not null)
            foreach (var piece in new[] { reasoning[..(reasoning.Length / 2)], reasoning[(reasoning.Length / 2)..] })
            {
                await Chunk(ctx, Delta([.. role, .. Options.ReasoningFields.Select(f => (f, (JsonNode?)piece))]));
                role = [];
            }
        var nulls = reasoning is not null && Options.NullReasoningInAnswerDeltas
            ? Options.ReasoningFields.Select(f => (f, (JsonNode?)null)).ToArray() : [];
        var pieces = new[] { answer[..7], answer[7..] };
        foreach (var (piece, i) in pieces.Select((p, i) => (p, i)))
        {
            await Chunk(ctx, Delta([.. role, ("content", piece), .. nulls]));
            role = [];
            if (cut && i == 0)
            {
                if (cleanCut) return; // the server ends the response without a finish reason
                ctx.Abort();          // the connection drops mid-answer
                return;
            }
        }
        await Chunk(ctx, "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}");
        await ctx.Response.WriteAsync("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"fault-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}\n\n");
        await ctx.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static string Delta(IEnumerable<(string Field, JsonNode? Value)> fields)
    {
        var delta = new JsonObject();
        foreach (var (field, value) in fields) delta[field] = value?.DeepClone();
        return new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = null }.ToJsonString();
    }

    private static async Task Chunk(HttpContext ctx, string choice)
    {
        await ctx.Response.WriteAsync($"data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"fault-model\",\"choices\":[{choice}]}}\n\n");
        await ctx.Response.Body.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1)); // why: stalled handlers would hold a graceful stop
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
