using Ded.Teachers.Endpoints;
using Microsoft.Extensions.AI;
using Xunit;

namespace Ded.Tests.Endpoints;

/// <summary>
/// What the client stack tells its callers about failures: every retried attempt with its cause, a 200 without an
/// answer as a fault (never ArgumentOutOfRangeException), the field a 400 names, and no key left in any error text.
/// </summary>
public sealed class FailureAccountingTests
{
    private static EndpointOptions Options(string baseUrl, int attempts = 4) => new()
    {
        BaseUrls = [baseUrl],
        Model = "fault-model",
        AttemptTimeout = TimeSpan.FromSeconds(30),
        Retry = new EndpointRetryOptions { MaxAttempts = attempts, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    private static ChatMessage[] Question(int i) => [new(ChatRole.User, $"question {i}")];

    [Theory]
    [InlineData(Fault.EmptyChoices, false, "no_choices", FaultCause.NoChoices)]
    [InlineData(Fault.ErrorBody, false, "error_body", FaultCause.ErrorBody)]
    [InlineData(Fault.ErrorBody, true, "error_body", FaultCause.ErrorBody)]
    [InlineData(Fault.EmptyChoices, true, "stream_cut", FaultCause.StreamCut)] // a stream whose only choices are empty never finishes
    public async Task AnswerlessOkIsRetriedWithItsCause(Fault fault, bool stream, string cause, FaultCause counted)
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { ScriptedFault = fault, ScriptedFaultAttempts = 2 });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl) with { Stream = stream });

        var response = await client.GetResponseAsync(Question(1));

        Assert.Equal(FaultServer.ExpectedAnswer("question 1"), response.Text);
        var retried = EndpointMetadata.RetriedOf(response);
        Assert.Equal([cause, cause], retried.Select(r => r.Cause));
        Assert.All(retried, r => Assert.Null(r.StatusCode));
        Assert.True(retried[0].StartedAt <= retried[0].FinishedAt && retried[0].FinishedAt <= retried[1].StartedAt);
        if (fault == Fault.ErrorBody) Assert.All(retried, r => Assert.Contains("engine overloaded", r.Error));
        Assert.Equal(2, client.GetService<EndpointStats>()!.Snapshot().RetriesByCause[counted]);
        Assert.Equal(3, EndpointAnswer.From(response).Attempts);
    }

    [Theory]
    [InlineData(Fault.EmptyChoices, "no_choices")]
    [InlineData(Fault.ErrorBody, "error_body")]
    public async Task AnswerlessOkToTheLastAttemptFailsWithItsCause(Fault fault, string cause)
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { ScriptedFault = fault, ScriptedFaultAttempts = 99 });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl, attempts: 3));

        var e = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(Question(1)));

        Assert.Equal(cause, e.Cause);
        Assert.Equal([cause, cause], e.Retried.Select(r => r.Cause)); // the third attempt is the exception itself
        Assert.Contains("failed 3 attempt(s)", e.Message);
    }

    [Fact]
    public async Task RetriedAttemptsCarryStatusAndRedactedText()
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { ScriptedFault = Fault.ServerError, ScriptedFaultAttempts = 2 });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl));

        var retried = EndpointMetadata.RetriedOf(await client.GetResponseAsync(Question(2)));

        Assert.Equal([("server_error", 500), ("server_error", 500)], retried.Select(r => (r.Cause, r.StatusCode ?? 0)));
        Assert.All(retried, r => Assert.StartsWith($"{server.BaseUrl}: ServerError: ", r.Error));
        Assert.Equal(2, client.GetService<EndpointStats>()!.Snapshot().RetriesByCause[FaultCause.ServerError]);
    }

    [Theory]
    // OpenAI's and current vLLM's error object (vllm-project/vllm@ec3b890c14b00f6670515d9df8d503b5270e95ca:vllm/entrypoints/openai/protocol.py, ErrorInfo.param)
    [InlineData("{\"error\":{\"message\":\"top_k must be -1 or at least 1\",\"type\":\"BadRequestError\",\"param\":\"top_k\",\"code\":400}}", "top_k")]
    // older vLLM: the fields at the top level
    [InlineData("{\"object\":\"error\",\"message\":\"min_p out of range\",\"type\":\"BadRequestError\",\"param\":\"min_p\",\"code\":400}", "min_p")]
    // a FastAPI validation message without param
    [InlineData("{\"error\":{\"message\":\"[{'type': 'extra_forbidden', 'loc': ('body', 'chat_template_kwargs'), 'msg': 'Extra inputs are not permitted'}]\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}}", "chat_template_kwargs")]
    [InlineData("{\"error\":{\"message\":\"bad request\"}}", null)]
    public async Task BadRequestNamesTheRejectedField(string body, string? field)
    {
        await using var server = await FaultServer.StartAsync(new FaultServerOptions { FixedStatus = 400, FixedBody = body });
        using var client = EndpointClientFactory.Create(Options(server.BaseUrl));

        var e = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(Question(3)));

        Assert.Equal(("bad_request", (int?)400), (e.Cause, e.StatusCode));
        Assert.Contains(field is null ? "it rejected the request: check the sampling settings in the recipe"
            : $"it rejected the request field '{field}': check that this engine accepts it", e.Message);
    }

    // A 54-character key (OpenAI project keys are about that long) echoed at every offset around the 300-character cut,
    // in the body, as a header and in a URL: no 8 characters of it in a row survive in any message.
    [Theory]
    [InlineData(401, "Incorrect API key provided: {auth}")]
    [InlineData(401, "x-api-key: {key}")]
    [InlineData(404, "no route https://api.example.com/v1/chat?api_key={key}&x=1")]
    [InlineData(500, "upstream said Authorization: {auth}")]
    public async Task KeysAreRedactedBeforeAnythingIsCut(int status, string echo)
    {
        const string key = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
        Assert.Equal(54, key.Length);
        foreach (var pad in new[] { 0, 250, 270, 280, 290, 299, 300, 320 })
        {
            var body = new string('.', pad) + echo.Replace("{key}", key);
            await using var server = await FaultServer.StartAsync(new FaultServerOptions { FixedStatus = status, FixedBody = body });
            using var client = EndpointClientFactory.Create(Options(server.BaseUrl, attempts: 2) with { ApiKeyEnv = "DED_TEST_KEY" }, environment: _ => key);

            var e = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(Question(pad)));

            var texts = e.Retried.Select(r => r.Error).Append(e.Message).ToList();
            for (int i = 0; i + 8 <= key.Length; i++)
                Assert.DoesNotContain(texts, t => t.Contains(key.Substring(i, 8), StringComparison.Ordinal));
        }
    }

    [Fact]
    public void EveryCauseHasAdvice()
    {
        var fallback = FaultCauses.Advice("no such cause");
        foreach (var cause in Enum.GetValues<FaultCause>())
            Assert.NotEqual(fallback, FaultCauses.Advice(FaultCauses.Of(cause)));
        foreach (var status in new[] { 400, 401, 403, 404, 409 })
            Assert.NotEqual(fallback, FaultCauses.Advice(FaultCauses.OfStatus(status)));
        Assert.Contains("api_key_env", FaultCauses.Advice(FaultCauses.OfStatus(401)));
        Assert.Contains("endpoint.model", FaultCauses.Advice(FaultCauses.OfStatus(404)));
        Assert.Contains("sampling", FaultCauses.Advice(FaultCauses.OfStatus(400)));
    }
}
