using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Ded.Cli.Serving;

/// <summary>
/// An error answer in OpenAI's shape, <c>{"error": {"message", "type", "param", "code"}}</c>: the <c>Error</c> schema of
/// openai/openai-openapi@f85dbe223d40e1a31cba812ab2d755c7e98a92a3:openapi.yaml (all four required; param and code
/// nullable strings), which openai-python reads into <c>APIError.code/param/type</c>
/// (openai/openai-python@e43b422412a9e96c9cc5192c61fffbe2d7e04836:src/openai/_exceptions.py).
/// </summary>
internal sealed class ApiException(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    /// <summary>OpenAI's error types: rate limits are "requests", server faults "server_error", the rest "invalid_request_error".</summary>
    public string Type => Status switch
    {
        429 => "requests",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>Seconds a client should wait before retrying (429 and 503).</summary>
    public int? RetryAfterSeconds { get; init; }

    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject { ["message"] = Message, ["type"] = Type, ["param"] = Param, ["code"] = Code },
    };

    /// <summary>Writes the answer unless the response has started. <paramref name="isBodyUnread"/> closes the connection:
    /// Kestrel would otherwise read and drop the rest of a refused (perhaps huge, perhaps endless) body to reuse it.</summary>
    public async Task WriteAsync(HttpContext ctx, bool isBodyUnread = false)
    {
        if (ctx.Response.HasStarted) return;
        ctx.Response.Clear();
        ctx.Response.StatusCode = Status;
        if (RetryAfterSeconds is { } seconds) ctx.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (isBodyUnread) ctx.Response.Headers.Connection = "close";
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(ToJson().ToJsonString(), CancellationToken.None);
    }

    public IResult ToResult() => Results.Text(ToJson().ToJsonString(), "application/json", System.Text.Encoding.UTF8, Status);

    public static ApiException Invalid(string param, string message, string code = "invalid_value") => new(400, message, param, code);
}
