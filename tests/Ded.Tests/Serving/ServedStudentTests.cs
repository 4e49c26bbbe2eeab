using Ded.Student;
using Ded.Student.Inference;
using Ded.Teachers.Endpoints;
using Ded.Tests.Student;
using Microsoft.Extensions.AI;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>`ded serve --checkpoint`: a fresh tiny student answers like the in-process student, through any OpenAI client,
/// and its prompt log-probabilities equal <see cref="LabStudent.Score(string, string)"/>.</summary>
[Collection(TorchCollection.Name)]
public class ServedStudentTests
{
    private const string Question = "What is 2 + 2?";

    [Fact]
    public async Task ACheckpointServesChatAndScoringEqualToTheInProcessStudent()
    {
        var dir = Path.Combine(Tiny.TempDir(), "tiny-student");
        try
        {
            using var student = LabStudent.Create(Tiny.Config, seed: 4, threads: 1);
            student.Save(dir);
            await using var server = await ServedProcess.StartAsync(null, "--checkpoint", dir);

            using (var http = new HttpClient())
            {
                var models = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(server.BaseUrl + "/models"))!;
                Assert.Equal("tiny-student", models["data"]![0]!["id"]!.GetValue<string>());
            }

            await ChatThroughTheOpenAiClientAsync(student, server.BaseUrl);
            await ChatWithNAndLogprobsAsync(student, server.BaseUrl);
            await ScoreThroughEndpointScorerAsync(student, server.BaseUrl);
            await EchoWithoutGeneratingAsync(student, server.BaseUrl);
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true); }
    }

    /// <summary>The OpenAI SDK (through Ded's endpoint stack) gets what LabStudent.Generate gives for the same seed.</summary>
    private static async Task ChatThroughTheOpenAiClientAsync(LabStudent student, string baseUrl)
    {
        using var client = EndpointClientFactory.Create(new EndpointOptions { BaseUrls = [baseUrl], Model = "tiny-student" });
        // The SDK writes a float 0.8f as "0.8", which the server reads as the double 0.8: the in-process side uses that double.
        foreach (var (seed, temperature, stream) in new[] { (7L, 0.8, false), (7L, 0.8, true), (11L, 0.0, false) })
        {
            var options = new ChatOptions { Seed = seed, Temperature = (float)temperature, TopP = 0.9f, MaxOutputTokens = 24 };
            var response = stream
                ? await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, Question)], options).ToChatResponseAsync()
                : await client.GetResponseAsync([new ChatMessage(ChatRole.User, Question)], options);
            var expected = student.Generate([Question], new GenerateOptions { Seed = seed, Temperature = temperature, TopP = 0.9, MaxNewTokens = 24 }, CancellationToken.None)[0];
            Assert.Equal(expected.Text, response.Text);
            Assert.Equal(expected.IsTruncated ? ChatFinishReason.Length : ChatFinishReason.Stop, response.FinishReason);
            Assert.Equal((LabStudent.FormatPrompt(Question).Length + 1, expected.TokenCount),
                (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount));
        }
    }

    /// <summary>n choices are one seeded batch; logprobs are the model's log-probabilities of the generated characters.</summary>
    private static async Task ChatWithNAndLogprobsAsync(LabStudent student, string baseUrl)
    {
        var (status, body) = await ServedProcess.PostAsync(baseUrl + "/chat/completions",
            $$"""{"model":"tiny-student","messages":[{"role":"user","content":"{{Question}}"}],"n":3,"seed":5,"temperature":1.0,"max_tokens":12,"logprobs":true}""");
        Assert.True(status == 200, body.ToJsonString());
        var expected = student.Generate([Question, Question, Question], new GenerateOptions { Seed = 5, Temperature = 1.0, TopP = 1.0, MaxNewTokens = 12, BatchSize = 3 }, CancellationToken.None);
        var choices = body["choices"]!.AsArray();
        Assert.Equal(expected.Select(c => c.Text), choices.Select(c => c!["message"]!["content"]!.GetValue<string>()));
        foreach (var (choice, completion) in choices.Zip(expected))
        {
            var tokens = choice!["logprobs"]!["content"]!.AsArray();
            var score = student.Score(Question, completion.Text).Tokens.Take(completion.Text.Length).ToList(); // without the EOS
            Assert.Equal(score.Select(t => t.Token), tokens.Select(t => t!["token"]!.GetValue<string>()));
            Assert.Equal(score.Select(t => t.LogProbNats), tokens.Select(t => t!["logprob"]!.GetValue<double>()));
        }
        Assert.Equal(expected.Sum(c => c.TokenCount), body["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    /// <summary>vLLM's prompt_logprobs and the echo API, read by EndpointScorer, equal LabStudent.Score on the same text.</summary>
    private static async Task ScoreThroughEndpointScorerAsync(LabStudent student, string baseUrl)
    {
        const string response = "<think>2+2=4</think> 4";
        var expected = student.Score(Question, response).Tokens.Take(response.Length).Select(t => (double?)t.LogProbNats).ToList();
        var text = LabStudent.FormatPrompt(Question) + response; // the prompt of a char model is raw text after BOS
        foreach (var api in new[] { ScoringApi.PromptLogprobs, ScoringApi.Echo })
        {
            using var scorer = new EndpointScorer(new EndpointOptions { BaseUrls = [baseUrl], Model = "tiny-student" }, api);
            var scored = await scorer.ScoreAsync(text);
            Assert.Equal(text.Length + 1, scored.LogProbs.Count); // BOS, then every character
            Assert.Null(scored.LogProbs[0]);
            Assert.Equal(expected, scored.LogProbs.TakeLast(response.Length));
            Assert.Equal(response, string.Concat(scored.Tokens.TakeLast(response.Length)));
        }
    }

    /// <summary>max_tokens 0 with echo: scoring only, the prompt comes back as the text.</summary>
    private static async Task EchoWithoutGeneratingAsync(LabStudent student, string baseUrl)
    {
        var (status, body) = await ServedProcess.PostAsync(baseUrl + "/completions",
            """{"model":"tiny-student","prompt":"Q: 1+1\nA: 2","max_tokens":0,"echo":true,"logprobs":0}""");
        Assert.True(status == 200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        Assert.Equal(("Q: 1+1\nA: 2", "length"), (choice["text"]!.GetValue<string>(), choice["finish_reason"]!.GetValue<string>()));
        Assert.Equal(student.Score("1+1", "2").Tokens[0].LogProbNats, choice["logprobs"]!["token_logprobs"]!.AsArray().Last()!.GetValue<double>());
        Assert.Equal((12, 0), (body["usage"]!["prompt_tokens"]!.GetValue<int>(), body["usage"]!["completion_tokens"]!.GetValue<int>()));

        // Requests the server cannot serve say why.
        (status, body) = await ServedProcess.PostAsync(baseUrl + "/completions", """{"model":"other","prompt":"x"}""");
        Assert.Equal((404, "model 'other' is not served here; this server serves 'tiny-student'"), (status, body["error"]!["message"]!.GetValue<string>()));
        (status, body) = await ServedProcess.PostAsync(baseUrl + "/completions", $$"""{"prompt":"{{new string('x', 64)}}"}""");
        Assert.Equal((400, "prompt of 65 tokens (characters + BOS) exceeds the model's block size 64"), (status, body["error"]!["message"]!.GetValue<string>()));
    }
}
