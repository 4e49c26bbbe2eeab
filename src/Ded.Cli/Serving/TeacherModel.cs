using Microsoft.Extensions.AI;

namespace Ded.Cli.Serving;

/// <summary>Serves an in-process chat client (a lab teacher) over HTTP, so recipes can run against a real endpoint.</summary>
internal sealed class TeacherModel(IChatClient client, string id) : IServedModel
{
    public string Id => id;

    public async Task<Generation> ChatAsync(IReadOnlyList<ChatMessage> messages, SamplingRequest sampling, CancellationToken ct)
    {
        if (sampling.Logprobs) throw new BadRequestException("logprobs: a lab teacher has no token probabilities; serve a checkpoint (--checkpoint) for logprobs");
        var choices = new GeneratedChoice[sampling.N];
        int promptTokens = 0;
        for (int i = 0; i < sampling.N; i++)
        {
            // why: choice 0 gets the request's seed exactly, so n = 1 answers as the in-process teacher does; choice i uses seed + i.
            var response = await client.GetResponseAsync(messages, Options(sampling, i), ct);
            var finish = response.FinishReason == ChatFinishReason.Length ? "length" : "stop";
            choices[i] = new GeneratedChoice(response.Text, finish, (int)(response.Usage?.OutputTokenCount ?? 0), null);
            promptTokens = (int)(response.Usage?.InputTokenCount ?? 0);
        }
        return new Generation(choices, promptTokens);
    }

    public Task<Generation> CompleteAsync(string prompt, SamplingRequest sampling, bool promptLogprobs, CancellationToken ct) =>
        throw new BadRequestException("/v1/completions: a lab teacher answers chat only (/v1/chat/completions); serve a checkpoint (--checkpoint) to complete or score text");

    private static ChatOptions Options(SamplingRequest s, int choice) => new()
    {
        Temperature = (float?)s.Temperature,
        TopP = (float?)s.TopP,
        Seed = s.Seed is { } seed ? seed + choice : null,
        MaxOutputTokens = s.MaxTokens,
        StopSequences = s.Stop.Count > 0 ? [.. s.Stop] : null,
    };

    public void Dispose() => client.Dispose();
}
