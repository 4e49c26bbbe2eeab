using System.ClientModel;
using System.Text;
using System.Text.Json.Nodes;
using Ded.Cli.Bench;
using Ded.Cli.Serving;
using OpenAI;
using OpenAI.Models;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>Issue 15 items 7, 9 and 10 against real `ded serve` processes: the memory bound under the load that took it
/// to 2.7 GB, a full queue, configured origins and hosts, and the OpenAI SDK's model retrieval.</summary>
public class ServeLimitsTests
{
    private const string Ask = """{"messages":[{"role":"user","content":"What is 1 + 1?"}]}""";

    [Fact]
    public async Task SixteenParallelLargeRequestsStayWithinTheDocumentedMemoryBound()
    {
        var limits = new ServeLimits();
        await using var server = await ServedProcess.StartAsync(null, "--lab-teacher", "oracle", "--latency-ms", "100");
        Assert.Contains(limits.Describe(), await WaitForLinesAsync(server, 3));
        Assert.Equal(200, (await ServedProcess.PostAsync(server.BaseUrl + "/chat/completions", Ask)).Status); // warm: code paths run once
        var idle = ProcessMemory.Read(server.ProcessId).Rss;
        ProcessMemory.TryResetPeak(server.ProcessId);

        // 16 x 27 MiB, as issue 15 sent them (before: 2,161 MiB peak RSS): refused before a byte of body is read.
        var attack = Chat(new string('x', 27 << 20));
        var refused = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => SendAsync(server.Port, attack)));
        Assert.All(refused, r => Assert.Equal((413, "request_too_large"), (r.Status, Code(r.Body))));
        // 16 bodies just under the cap are served: 8 run, 8 wait.
        var atCap = Chat(new string('x', limits.MaxRequestBytes - 100));
        Assert.True(atCap.Length <= limits.MaxRequestBytes);
        var served = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => SendAsync(server.Port, atCap)));
        Assert.All(served, r => Assert.Equal(200, r.Status));

        var above = ProcessMemory.Read(server.ProcessId).Peak - idle;
        Assert.True(above <= limits.MemoryBoundBytes, $"peak RSS {above >> 20} MiB above idle; the documented bound is {limits.MemoryBoundBytes >> 20} MiB");
    }

    [Fact]
    public async Task AFullQueueAnswers429WithRetryAfterAndTheRestAreServed()
    {
        await using var server = await ServedProcess.StartAsync(null, "--lab-teacher", "oracle", "--latency-ms", "1500", "--max-concurrent", "1", "--max-queued", "1");
        var body = Encoding.UTF8.GetBytes(Ask);
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SendAsync(server.Port, body)));
        Assert.Equal([200, 200, 429, 429], answers.Select(a => a.Status).Order());
        var refused = answers.First(a => a.Status == 429);
        Assert.Contains("Retry-After: 1", refused.Headers);
        Assert.Equal(("requests", "rate_limit_exceeded", "ded serve is running 1 requests with 1 waiting; retry after a second (--max-concurrent, --max-queued)."),
            (Error(refused.Body)["type"]!.GetValue<string>(), Code(refused.Body), Error(refused.Body)["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ConfiguredOriginsAndHostsAreServedAndOthersStillRefused()
    {
        const string page = "http://localhost:3000";
        await using var server = await ServedProcess.StartAsync(null, "--lab-teacher", "oracle", "--cors-origin", page, "--allowed-host", "ded.lan");
        int port = server.Port;

        // The browser's preflight, then the request itself, carry the CORS grant for the configured page only.
        var preflight = await RawHttp.SendAsync(port, $"OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {page}\r\n" +
            "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type,authorization\r\n\r\n", "");
        Assert.Equal(204, preflight.Status);
        Assert.Contains($"Access-Control-Allow-Origin: {page}", preflight.Headers);
        var fromPage = await RawHttp.SendAsync(port, RawHttp.Headers(port, Ask.Length, extra: $"Origin: {page}\r\n"), Ask);
        Assert.Equal(200, fromPage.Status);
        Assert.Contains($"Access-Control-Allow-Origin: {page}", fromPage.Headers);
        var otherPage = await RawHttp.SendAsync(port, RawHttp.Headers(port, Ask.Length, extra: "Origin: http://localhost:3001\r\n"), Ask);
        Assert.Equal((403, "origin_not_allowed"), (otherPage.Status, Code(otherPage.Body)));

        var named = await RawHttp.SendAsync(port, RawHttp.Headers(port, Ask.Length).Replace("Host: 127.0.0.1", "Host: ded.lan"), Ask);
        Assert.Equal(200, named.Status);
        var rebound = await RawHttp.SendAsync(port, RawHttp.Headers(port, Ask.Length).Replace("Host: 127.0.0.1", "Host: ded.lan.attacker.example"), Ask);
        Assert.Equal((400, "invalid_host"), (rebound.Status, Code(rebound.Body)));
    }

    /// <summary>The OpenAI .NET SDK escapes the id as one path segment (openai/openai-dotnet@b3b4bbbc31cebef0f4978071d586856360173c89:
    /// OpenAI/src/Generated/OpenAIModelClient.RestClient.cs, AppendPath(model, escape: true)), as openai-python's
    /// models.retrieve does; the answer has the fields of openai-python's Model type (id, created, object, owned_by).</summary>
    [Fact]
    public async Task ModelsRetrieveAnswersTheOpenAiSdkWithTheModelObject()
    {
        await using var server = await ServedProcess.StartAsync(null, "--lab-teacher", "careful");
        var client = new OpenAIModelClient(new ApiKeyCredential("EMPTY"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl) });

        OpenAIModel model = await client.GetModelAsync("lab/careful");
        Assert.Equal(("lab/careful", "ded"), (model.Id, model.OwnedBy));
        Assert.InRange(model.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));

        var missing = await Assert.ThrowsAsync<ClientResultException>(() => client.GetModelAsync("gpt-4o"));
        Assert.Equal(404, missing.Status);
        var body = missing.GetRawResponse()!.Content.ToString();
        Assert.Equal(("model", "model_not_found", "The model 'gpt-4o' does not exist: this server serves 'lab/careful'."),
            (Error(body)["param"]!.GetValue<string>(), Code(body), Error(body)["message"]!.GetValue<string>()));

        using var http = new HttpClient();
        var plain = JsonNode.Parse(await http.GetStringAsync(server.BaseUrl + "/models/lab/careful"))!; // unescaped, as curl sends it
        Assert.Equal(("lab/careful", "model"), (plain["id"]!.GetValue<string>(), plain["object"]!.GetValue<string>()));
    }

    private static byte[] Chat(string content) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = content }) }.ToJsonString());

    private static Task<(int Status, string Headers, string Body)> SendAsync(int port, byte[] body) =>
        RawHttp.SendAsync(port, Encoding.UTF8.GetBytes(RawHttp.Headers(port, body.Length)), RawHttp.Pieces(body));

    private static JsonNode Error(string body) => JsonNode.Parse(body)!["error"]!;

    private static string? Code(string body) => Error(body)["code"]?.GetValue<string>();

    /// <summary>The server's stdout once it has printed <paramref name="count"/> lines.</summary>
    private static async Task<string> WaitForLinesAsync(ServedProcess server, int count)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); server.Output.Split('\n').Length <= count && DateTime.UtcNow < deadline;)
            await Task.Delay(20);
        return server.Output;
    }
}
