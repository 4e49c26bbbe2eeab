using System.Diagnostics;
using Ded.Teachers.Endpoints;
using Microsoft.Extensions.AI;
using Xunit;

namespace Ded.Tests.Endpoints;

/// <summary>The full client stack against the loopback fault server.</summary>
public sealed class EndpointClientTests
{
    private static EndpointOptions Options(params string[] baseUrls) => new()
    {
        BaseUrls = baseUrls,
        Model = "fault-model",
        MaxInFlight = 32,
        AttemptTimeout = TimeSpan.FromSeconds(30), // the fault test shortens it; here a cold start must not time out
        Retry = new EndpointRetryOptions { MaxAttempts = 12, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromSeconds(2) },
    };

    private static ChatMessage[] Question(int i) => [new(ChatRole.User, $"question {i}")];

    // A cut whole body is a dropped connection; a cut stream is a StreamCut once an update arrived, and a dropped
    // connection when the reset overtook the first chunk.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ThirtyPercentFaults_AllAnswersCorrectOnce_RetriesCountedByCause(bool stream)
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { FaultRate = 0.3, Seed = 7 });
        // The stall fault must time out quickly.
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with { Stream = stream, AttemptTimeout = TimeSpan.FromSeconds(2) });

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
            (i, (await client.GetResponseAsync(Question(i))).Text)));

        Assert.All(answers, a => Assert.Equal(FaultServer.ExpectedAnswer($"question {a.i}"), a.Text));
        Assert.Equal(200, answers.Select(a => a.Text).Distinct().Count());
        var stats = client.GetService<EndpointStats>()!.Snapshot();
        Assert.Equal((200L, 0L, 0L), (stats.Completed, stats.Failed, stats.InFlight));
        Assert.Equal(server.Faults.GetValueOrDefault(Fault.ServerError), stats.RetriesByCause[FaultCause.ServerError]);
        Assert.Equal(server.Faults.GetValueOrDefault(Fault.RateLimited), stats.RetriesByCause[FaultCause.RateLimited]);
        // On a loaded machine a slow good answer may also time out: the server then counts one more request than
        // answers plus faults, and the client one more timeout than stalls. Both sides must agree exactly.
        var spuriousTimeouts = server.Requests - 200 - server.Faults.Values.Sum();
        Assert.Equal(server.Faults.GetValueOrDefault(Fault.Stall) + spuriousTimeouts, stats.RetriesByCause[FaultCause.Timeout]);
        Assert.Equal(server.Faults.GetValueOrDefault(Fault.Malformed), stats.RetriesByCause[FaultCause.Malformed]);
        Assert.Equal(server.Faults.GetValueOrDefault(Fault.Cut), stats.RetriesByCause[FaultCause.StreamCut] + stats.RetriesByCause[FaultCause.Connection]);
        Assert.Equal(stream, stats.RetriesByCause[FaultCause.StreamCut] > 0);
        Assert.All(server.Faults, f => Assert.True(f.Value > 0, $"{f.Key} never injected"));
        Assert.Equal(5, server.Faults.Count);
        Assert.InRange(spuriousTimeouts, 0, 10);
        Assert.Equal(200L * 5, stats.OutputTokens);
    }

    [Fact]
    public async Task RetryAfter_IsHonoured()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { ScriptedFault = Fault.RateLimited, RetryAfter = "1" });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with
        {
            Retry = new EndpointRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1) },
        });
        var watch = Stopwatch.StartNew();
        var response = await client.GetResponseAsync(Question(1));
        watch.Stop();
        Assert.Equal(FaultServer.ExpectedAnswer("question 1"), response.Text);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"waited {watch.Elapsed} < Retry-After 1 s");
        Assert.Equal(2, EndpointAnswer.From(response).Attempts);
        Assert.Equal(1, client.GetService<EndpointStats>()!.Snapshot().RetriesByCause[FaultCause.RateLimited]);
    }

    [Theory]
    [InlineData(401, "rejected the key: check that environment variable {0} holds a valid key")]
    [InlineData(403, "refused access to model 'fault-model' with the key from {0}")]
    [InlineData(404, "has no such route or model")]
    [InlineData(400, "rejected the request")]
    public async Task ClientErrors_FailFast_NamingEndpointAndVariable(int status, string expected)
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { FixedStatus = status });
        var env = "DED_TEST_KEY_" + status;
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with { ApiKeyEnv = env }, environment: _ => "k-123456");

        var ex = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(Question(1)));

        Assert.Equal(1, server.Requests); // never retried
        Assert.Equal(status, ex.StatusCode);
        Assert.StartsWith($"endpoint {server.BaseUrl} answered HTTP {status}: it ", ex.Message);
        Assert.Contains(string.Format(expected, env), ex.Message);
        Assert.Equal(1, client.GetService<EndpointStats>()!.Snapshot().Failed);
    }

    [Fact]
    public async Task ApiKeyValue_NeverAppearsInOutput()
    {
        const string sentinel = "sk-SENTINEL-7f3a9c2e";
        var env = "DED_TEST_SENTINEL_KEY_" + Environment.ProcessId;
        Environment.SetEnvironmentVariable(env, sentinel);
        try
        {
            var captured = new List<string>();
            // A 401 whose body echoes the key, as some hosted APIs do.
            await using (var echo = await FaultServer.StartAsync(new FaultServerOptions
                { FixedStatus = 401, FixedBody = "{\"error\":{\"message\":\"Incorrect API key provided: {auth}\"}}" }))
            {
                var options = Options(echo.BaseUrl) with { ApiKeyEnv = env };
                using var client = EndpointClientFactory.Create(options);
                captured.Add((await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(Question(1)))).ToString());
                captured.Add(options.ToString());
                captured.Add(client.GetService<EndpointStats>()!.Snapshot().ToString());
                Assert.Equal("Bearer " + sentinel, echo.AuthorizationHeaders.Single()); // the key was really sent
            }
            // Retries exhausted on 500s, and answered requests.
            await using (var failing = await FaultServer.StartAsync(new FaultServerOptions { FixedStatus = 500, FixedBody = "{auth}" }))
            {
                using var client = EndpointClientFactory.Create(Options(failing.BaseUrl) with
                    { ApiKeyEnv = env, Retry = new EndpointRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero } });
                captured.Add((await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(Question(2)))).ToString());
            }
            await using (var ok = await FaultServer.StartAsync(new FaultServerOptions { FaultRate = 0.3 }))
            {
                using var client = EndpointClientFactory.Create(Options(ok.BaseUrl) with { ApiKeyEnv = env, AttemptTimeout = TimeSpan.FromSeconds(2) });
                foreach (var i in Enumerable.Range(0, 10))
                {
                    var response = await client.GetResponseAsync(Question(i));
                    captured.Add(response.Text);
                    captured.Add(string.Join(",", response.AdditionalProperties!.Select(kv => $"{kv.Key}={kv.Value}")));
                }
                captured.Add(client.GetService<EndpointStats>()!.Snapshot().ToString());
            }
            Assert.Contains(captured, c => c.Contains(env)); // the variable's name is what messages show
            Assert.DoesNotContain(captured, c => c.Contains(sentinel));
        }
        finally
        {
            Environment.SetEnvironmentVariable(env, null);
        }
    }

    [Fact]
    public async Task RetriesExhausted_SayWhichEndpointAndWhichFault()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { FixedStatus = 502 });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with
            { Retry = new EndpointRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.Zero } });
        var ex = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(Question(1)));
        Assert.StartsWith($"endpoint {server.BaseUrl} (model fault-model) failed 3 attempt(s); last fault: ServerError: {server.BaseUrl}: ServerError: ", ex.Message);
        Assert.EndsWith("Check that the engine is up; raise endpoint.retry.max_attempts or endpoint.attempt_timeout if it is only slow.", ex.Message);
        Assert.Equal(3, server.Requests);
        var stats = client.GetService<EndpointStats>()!.Snapshot();
        Assert.Equal((1L, 2L), (stats.Failed, stats.RetriesByCause[FaultCause.ServerError]));
    }

    [Fact]
    public async Task RefusedConnection_IsRetriedAsConnection()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        using var client = EndpointClientFactory.Create(Options($"http://127.0.0.1:{port}/v1") with
            { Retry = new EndpointRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero } });
        var ex = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(Question(1)));
        Assert.Contains("failed 2 attempt(s); last fault: Connection", ex.Message);
        Assert.Equal(1, client.GetService<EndpointStats>()!.Snapshot().RetriesByCause[FaultCause.Connection]);
    }

    [Fact]
    public void MissingKeyVariable_FailsAtCreation_NamingIt()
    {
        var ex = Assert.Throws<EndpointException>(() =>
            EndpointClientFactory.Create(Options("http://127.0.0.1:9/v1") with { ApiKeyEnv = "DED_UNSET_KEY" }, environment: _ => null));
        Assert.Equal("endpoint http://127.0.0.1:9/v1: endpoint.api_key_env names DED_UNSET_KEY, which is not set: " +
                     "export DED_UNSET_KEY=<key> before the run, or remove api_key_env for a local engine", ex.Message);
    }

    [Fact]
    public async Task SeveralBaseUrls_FailOverFromABrokenOne()
    {
        await using var broken = await FaultServer.StartAsync(new FaultServerOptions { FixedStatus = 503 });
        await using var healthy = await FaultServer.StartAsync(new FaultServerOptions());
        using var client = EndpointClientFactory.Create(Options(broken.BaseUrl, healthy.BaseUrl));

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.GetResponseAsync(Question(i))));

        Assert.All(answers, a => Assert.Equal(healthy.BaseUrl, EndpointAnswer.From(a).BaseUrl));
        Assert.Equal(40, healthy.Requests);
        Assert.InRange(broken.Requests, 1, 39); // tried, then cooled down
        Assert.Equal(broken.Requests, client.GetService<EndpointStats>()!.Snapshot().RetriesByCause[FaultCause.ServerError]);
    }

    [Theory]
    [InlineData("max_completion_tokens")]
    [InlineData("max_tokens")]
    public async Task SamplingExtras_ReachTheRequestBody(string maxTokensField)
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions());
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with
        {
            MaxTokensField = maxTokensField,
            Sampling = new EndpointSamplingOptions
            {
                TopK = 20, MinP = 0.05, Stop = ["</answer>"],
                ChatTemplateKwargs = new Dictionary<string, object> { ["enable_thinking"] = false },
            },
        });
        await client.GetResponseAsync(Question(1), new ChatOptions { MaxOutputTokens = 321, Temperature = 0.6f, Seed = 5 });

        var body = System.Text.Json.Nodes.JsonNode.Parse(server.Bodies.Single())!;
        Assert.Equal(20, (int)body["top_k"]!);
        Assert.Equal(0.05, (double)body["min_p"]!);
        Assert.False((bool)body["chat_template_kwargs"]!["enable_thinking"]!);
        Assert.Equal("</answer>", (string)body["stop"]![0]!);
        Assert.Equal(5, (int)body["seed"]!);
        Assert.Equal(321, (int)body[maxTokensField]!);
        var other = maxTokensField == "max_tokens" ? "max_completion_tokens" : "max_tokens";
        Assert.Null(body[other]);
    }

    [Fact]
    public async Task ReasoningContent_IsNormalizedIntoTheTrajectory()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { ReasoningContent = "2+2 is 4." });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl));
        var answer = EndpointAnswer.From(await client.GetResponseAsync(Question(3)));
        var expected = FaultServer.ExpectedAnswer("question 3");
        Assert.Equal(new NormalizedReasoning("2+2 is 4.", expected, $"<think>\n2+2 is 4.\n</think>\n\n{expected}", true), answer.Text);
        Assert.Equal(("stop", false, 10L, 5L), (answer.FinishReason, answer.IsTruncated, answer.InputTokens, answer.OutputTokens));
        Assert.True(answer.Latency > TimeSpan.Zero);
    }

    [Fact]
    public async Task MaxInFlight_IsNeverExceeded()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { AnswerDelay = TimeSpan.FromMilliseconds(40) });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with { MaxInFlight = 4 });
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.GetResponseAsync(Question(i))));
        Assert.Equal(40, server.Requests);
        Assert.InRange(server.MaxConcurrent, 1, 4);
    }

    [Fact]
    public async Task SeveralBaseUrls_ShareTheLoad()
    {
        await using var a = await FaultServer.StartAsync(new FaultServerOptions { AnswerDelay = TimeSpan.FromMilliseconds(40) });
        await using var b = await FaultServer.StartAsync(new FaultServerOptions { AnswerDelay = TimeSpan.FromMilliseconds(40) });
        using var client = EndpointClientFactory.Create(Options(a.BaseUrl, b.BaseUrl) with { MaxInFlight = 8 });
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.GetResponseAsync(Question(i))));
        Assert.Equal(40, a.Requests + b.Requests);
        Assert.InRange(a.Requests, 5, 35); // least-in-flight with rotating ties keeps both busy
    }

    [Fact]
    public async Task RequestsPerMinute_HoldsBackTheRequestsBeyondTheBucket()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions());
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with { RequestsPerMinute = 60 });
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 62).Select(i => client.GetResponseAsync(Question(i))));
        // A full bucket of 60 goes at once; the 61st and 62nd wait for two one-per-second refills.
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"62 requests at 60/min took only {watch.Elapsed}");
    }

    [Fact]
    public async Task Streaming_RetriesUntilTheFirstUpdate()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { ScriptedFault = Fault.ServerError, ScriptedFaultAttempts = 2 });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl));
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Question(4))) updates.Add(update);
        Assert.Equal(FaultServer.ExpectedAnswer("question 4"), updates.ToChatResponse().Text);
        var stats = client.GetService<EndpointStats>()!.Snapshot();
        Assert.Equal((1L, 2L, 5L), (stats.Completed, stats.RetriesByCause[FaultCause.ServerError], stats.OutputTokens));
    }

    [Fact]
    public async Task Streaming_AbandonedByTheCaller_IsNeitherAnsweredNorFailed()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions());
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl));
        await foreach (var _ in client.GetStreamingResponseAsync(Question(6))) break;
        var stats = client.GetService<EndpointStats>()!.Snapshot();
        Assert.Equal((1L, 0L, 0L, 0L), (stats.Started, stats.Completed, stats.Failed, stats.InFlight));
    }

    [Fact]
    public async Task LengthFinish_IsCountedAsTruncated()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { FinishReason = "length" });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl));
        var answer = EndpointAnswer.From(await client.GetResponseAsync(Question(5)));
        Assert.Equal(("length", true), (answer.FinishReason, answer.IsTruncated));
        Assert.Equal(1, client.GetService<EndpointStats>()!.Snapshot().Truncated);
    }

    [Fact]
    public async Task Stats_EstimateCostFromPrices_AndGiveAnEta()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions());
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with
            { Prices = new EndpointPrices { InputPerMillion = 1.5m, OutputPerMillion = 4m } });
        foreach (var i in Enumerable.Range(0, 4)) await client.GetResponseAsync(Question(i));
        var stats = client.GetService<EndpointStats>()!.Snapshot(expectedRequests: 8);
        Assert.Equal((40L, 20L), (stats.InputTokens, stats.OutputTokens));
        Assert.Equal((40 * 1.5m + 20 * 4m) / 1_000_000m, stats.EstimatedCostUsd);
        Assert.NotNull(stats.Eta);
        Assert.Contains("done 4 in flight 0 failed 0 retried 0", stats.ToString());
    }

    [Theory]
    [InlineData("abcdefgh", null, 3)]     // 8 chars / 4 + 1
    [InlineData("abcdefgh", 100, 103)]    // plus the output limit
    [InlineData("", 0, 1)]
    public void TokenCharge_IsPromptEstimatePlusOutputLimit(string prompt, int? maxOutput, long expected) =>
        Assert.Equal(expected, RateLimitingChatClient.EstimateTokens([new ChatMessage(ChatRole.User, prompt)],
            new ChatOptions { MaxOutputTokens = maxOutput }));

    [Theory]
    [InlineData("base_urls", "endpoint.base_urls must name at least one URL (e.g. http://127.0.0.1:8000/v1)")]
    [InlineData("url", "endpoint.base_urls: 'ftp://x' is not an http(s) URL")]
    [InlineData("model", "endpoint.model must name the served model")]
    [InlineData("max_in_flight", "endpoint.max_in_flight must be >= 1 (got 0)")]
    [InlineData("max_tokens_field", "endpoint.max_tokens_field must be max_completion_tokens or max_tokens (got max_new_tokens)")]
    [InlineData("max_attempts", "endpoint.retry.max_attempts must be >= 1 (got 0)")]
    public void InvalidOptions_NameTheField(string field, string message)
    {
        var good = new EndpointOptions { Model = "m" };
        var bad = field switch
        {
            "base_urls" => good with { BaseUrls = [] },
            "url" => good with { BaseUrls = ["ftp://x"] },
            "model" => good with { Model = " " },
            "max_in_flight" => good with { MaxInFlight = 0 },
            "max_tokens_field" => good with { MaxTokensField = "max_new_tokens" },
            _ => good with { Retry = new EndpointRetryOptions { MaxAttempts = 0 } },
        };
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => EndpointClientFactory.Create(bad)).Message);
    }
}
