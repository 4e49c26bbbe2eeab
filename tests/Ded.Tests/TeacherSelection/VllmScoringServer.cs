using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ded.Tests.TeacherSelection;

/// <summary>
/// A loopback server answering <c>POST /v1/completions</c> with <c>prompt_logprobs</c> in vLLM's shapes, from its source:
/// <list type="bullet">
/// <item>vllm-project/vllm@030ea52effcb05071543c8c42b8f0145e94cee43:vllm/entrypoints/openai/completion/serving.py
/// (request_output_to_completion_response): <c>prompt_logprobs</c> and, with <c>return_token_ids</c>,
/// <c>prompt_token_ids</c> on each choice; <c>index = len(choices)</c>; usage counts the prompt's tokens.</item>
/// <item>vllm-project/vllm@578b601cd1f41074873532e99af8369bf75cb5a9:vllm/logprobs.py: each position a dict token id →
/// <c>{logprob, rank, decoded_token}</c> (keys are JSON strings), the first position <c>None</c>; with
/// <c>prompt_logprobs=0</c> only the prompt's own token.</item>
/// <item>vllm-project/vllm@002032ee2b18e1f7bd924ec47b62504ba3866063:vllm/entrypoints/openai/completion/protocol.py
/// (check_logprobs): <c>prompt_logprobs</c> must be a non-negative integer within <c>--max-logprobs</c> (20) and is
/// refused with <c>stream</c>; a refused request is HTTP 400 with <c>{"error": {"message", "type", "code"}}</c>.</item>
/// </list>
/// Its "model" is a rule the tests know: the text is cut into 3-character tokens (so a token can straddle the end of the
/// chat-template prompt), token i has log-probability −0.25·(1 + i mod 4) and rank 1 + 37·i mod 150 (some above the
/// RSR clip of 100). A text longer than <see cref="MaxModelLen"/> tokens (with the 1 generated) is refused as vLLM
/// refuses it.
/// </summary>
public sealed class VllmScoringServer : IAsyncDisposable
{
    public const int TokenChars = 3;
    private readonly WebApplication _app;

    private VllmScoringServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";
    public ConcurrentQueue<JsonNode> Bodies { get; } = new();
    /// <summary>vLLM's <c>--max-model-len</c>: prompt tokens plus max_tokens.</summary>
    public int MaxModelLen { get; set; } = 100_000;

    public static async Task<VllmScoringServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new VllmScoringServer(app);
        app.MapPost("/v1/completions", server.AnswerAsync);
        await app.StartAsync();
        server.BaseUrl = app.Urls.First() + "/v1";
        return server;
    }

    /// <summary>The tokens the rule cuts a text into.</summary>
    public static IReadOnlyList<string> Tokens(string text) =>
        [.. Enumerable.Range(0, (text.Length + TokenChars - 1) / TokenChars).Select(i => text.Substring(i * TokenChars, Math.Min(TokenChars, text.Length - i * TokenChars)))];

    public static double LogProb(int position) => -0.25 * (1 + position % 4);
    public static int Rank(int position) => 1 + 37 * position % 150;
    private static int Id(string token) => 100 + (int)((uint)token.GetHashCode(StringComparison.Ordinal) % 150_000);

    private async Task AnswerAsync(HttpContext ctx)
    {
        var body = JsonNode.Parse(await new StreamReader(ctx.Request.Body).ReadToEndAsync())!;
        Bodies.Enqueue(body);
        var prompt = body["prompt"]!.GetValue<string>();
        int maxTokens = body["max_tokens"]?.GetValue<int>() ?? 16;
        var tokens = Tokens(prompt);
        if (body["prompt_logprobs"] is not JsonValue k || k.GetValue<int>() is < 0 or > 20 || body["stream"]?.GetValue<bool>() == true)
        {
            await ErrorAsync(ctx, "Requested prompt logprobs must be an integer within the server's max_logprobs (20) and without stream");
            return;
        }
        if (tokens.Count + maxTokens > MaxModelLen)
        {
            await ErrorAsync(ctx, $"This model's maximum context length is {MaxModelLen} tokens. However, you requested {maxTokens} output tokens and " +
                                  $"your prompt contains at least {tokens.Count} input tokens, for a total of at least {tokens.Count + maxTokens} tokens. " +
                                  "Please reduce the length of the input prompt or the number of requested output tokens.");
            return;
        }
        var positions = new JsonArray([.. tokens.Select((t, i) => i == 0 ? null : (JsonNode)new JsonObject
        {
            [Id(t).ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject { ["logprob"] = LogProb(i), ["rank"] = Rank(i), ["decoded_token"] = t },
        })]);
        var choice = new JsonObject
        {
            ["index"] = 0, ["text"] = " the", ["logprobs"] = null, ["finish_reason"] = "length", ["stop_reason"] = null,
            ["prompt_logprobs"] = positions,
        };
        if (body["return_token_ids"]?.GetValue<bool>() == true)
        {
            choice["prompt_token_ids"] = new JsonArray([.. tokens.Select(t => (JsonNode)Id(t))]);
            choice["token_ids"] = new JsonArray(279);
        }
        await WriteAsync(ctx, 200, new JsonObject
        {
            ["id"] = "cmpl-1", ["object"] = "text_completion", ["created"] = 0, ["model"] = body["model"]!.GetValue<string>(),
            ["choices"] = new JsonArray(choice),
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens.Count, ["total_tokens"] = tokens.Count + 1, ["completion_tokens"] = 1 },
        });
    }

    private static Task ErrorAsync(HttpContext ctx, string message) =>
        WriteAsync(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "BadRequestError", ["param"] = null, ["code"] = 400 } });

    private static async Task WriteAsync(HttpContext ctx, int status, JsonObject json)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
