using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ded.Tests.Evaluation;

/// <summary>What the scripted server says: the message content and the finish reason.</summary>
public sealed record ScriptedReply(string Content, string FinishReason = "stop");

/// <summary>
/// A loopback OpenAI chat-completions server (Kestrel) whose reply is a function of the user prompt and of how many
/// times that prompt was asked before: tests know exactly which samples are right.
/// </summary>
public sealed class ScriptedAnswerServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<string, int, ScriptedReply> _script;
    private readonly ConcurrentDictionary<string, int> _asked = new();

    private ScriptedAnswerServer(WebApplication app, Func<string, int, ScriptedReply> script) => (_app, _script) = (app, script);

    public string BaseUrl { get; private set; } = "";
    public ConcurrentQueue<string> Bodies { get; } = new();

    /// <param name="script">(user prompt, times asked before) → reply.</param>
    public static async Task<ScriptedAnswerServer> StartAsync(Func<string, int, ScriptedReply> script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedAnswerServer(app, script);
        app.MapPost("/v1/chat/completions", server.AnswerAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.First() + "/v1";
        return server;
    }

    private async Task AnswerAsync(HttpContext ctx)
    {
        var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
        Bodies.Enqueue(body);
        var request = JsonNode.Parse(body)!;
        var prompt = request["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
        // n choices per request, as vLLM answers: choice i is the prompt's next ask.
        var choices = new JsonArray();
        for (int i = 0, n = request["n"]?.GetValue<int>() ?? 1; i < n; i++)
        {
            var reply = _script(prompt, _asked.AddOrUpdate(prompt, 0, (_, k) => k + 1));
            choices.Add(new JsonObject
            {
                ["index"] = i, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content }, ["finish_reason"] = reply.FinishReason,
            });
        }
        var bytes = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["id"] = "chatcmpl-1", ["object"] = "chat.completion", ["created"] = 0, ["model"] = "scripted", ["choices"] = choices,
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
        }.ToJsonString());
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
