using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Ded.Cli.Serving;

/// <summary>
/// Refuses a request before anything reads its body or runs: while stopping (503), a foreign <c>Host</c> (400: DNS
/// rebinding points a web page's own name at 127.0.0.1), a browser <c>Origin</c> not allowed by <c>--cors-origin</c>
/// (403: a page's simple <c>text/plain</c> POST runs even though its answer is unreadable), a missing or wrong key
/// (401), a POST that is not <c>application/json</c> (415), or a declared body over the limit (413).
/// </summary>
internal sealed class RequestGuard
{
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];
    private readonly List<StringSegment> _hosts;
    private readonly HashSet<string> _origins;
    private readonly byte[]? _key;
    private readonly int _maxBytes;
    private readonly ServerStats _stats;
    private readonly CancellationToken _stopping;

    public RequestGuard(ServeOptions options, ServerStats stats, CancellationToken stopping)
    {
        _hosts = [.. LoopbackHosts.Concat(options.AllowedHosts).Select(h => new StringSegment(h))];
        _origins = new HashSet<string>(options.CorsOrigins, StringComparer.OrdinalIgnoreCase);
        _key = options.Key is null ? null : Encoding.UTF8.GetBytes("Bearer " + options.Key);
        (_maxBytes, _stats, _stopping) = (options.Limits.MaxRequestBytes, stats, stopping);
    }

    public async Task InvokeAsync(HttpContext ctx, RequestDelegate next)
    {
        if (Refusal(ctx) is { } refusal) await refusal.WriteAsync(ctx, isBodyUnread: true);
        else await next(ctx);
    }

    private ApiException? Refusal(HttpContext ctx)
    {
        var request = ctx.Request;
        if (_stopping.IsCancellationRequested) return new ApiException(503, "ded serve is stopping; retry against a running server.") { RetryAfterSeconds = 1 };
        var host = request.Headers.Host.ToString();
        // why: HostString.MatchesAny is ASP.NET Core's host-filtering matcher (port ignored, "*.name" and "*" patterns).
        if (host.Length == 0 || !HostString.MatchesAny(host, _hosts))
            return new ApiException(400, $"Host '{host}' is not served here: ded serve answers {string.Join(", ", LoopbackHosts)}; start it with --allowed-host NAME to add a name.", null, "invalid_host");
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !_origins.Contains(origin))
            return new ApiException(403, $"Cross-origin request from '{origin}' refused: start ded serve with --cors-origin {origin} to let that page call it.", null, "origin_not_allowed");
        if (HttpMethods.IsOptions(request.Method)) return null; // a preflight from an allowed origin: the CORS middleware answers it
        if (request.Path.StartsWithSegments("/v1") && !IsAuthorized(request))
            return new ApiException(401, "Missing or wrong API key (Authorization: Bearer ...).", null, "invalid_api_key");
        if (!HttpMethods.IsPost(request.Method)) return null;
        if (!IsJson(request.ContentType))
            return new ApiException(415, $"Content-Type must be application/json (got '{request.ContentType}').", null, "unsupported_media_type");
        if (request.ContentLength > _maxBytes)
            return new ApiException(413, $"The request body is {request.ContentLength} bytes; ded serve takes at most {_maxBytes} (--max-request-bytes).", null, "request_too_large");
        return null;
    }

    /// <summary>application/json, with no charset or UTF-8 (RFC 8259 §8.1: JSON between systems is UTF-8).</summary>
    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private bool IsAuthorized(HttpRequest request)
    {
        if (_key is null) return true;
        var given = Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString());
        if (CryptographicOperations.FixedTimeEquals(given, _key)) return true; // why: no timing side channel on the key
        _stats.Unauthorized();
        return false;
    }
}
