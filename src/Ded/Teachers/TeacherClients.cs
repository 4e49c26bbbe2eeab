using System.ClientModel;
using Ded.Lab;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Ded.Teachers;

/// <summary>Builds the chat client for a recipe teacher: a lab teacher, or an OpenAI-compatible endpoint.</summary>
public static class TeacherClients
{
    /// <param name="labLatency">Simulated network latency for lab teachers (lab teachers answer in microseconds; demos and
    /// the kill-and-resume test need rollouts that take observable time). Zero for none.</param>
    /// <exception cref="InvalidOperationException">An endpoint teacher whose API-key variable is not set.</exception>
    public static TeacherClient Create(TeacherSpec spec, TimeSpan labLatency)
    {
        if (spec.Lab is not null)
        {
            var lab = LabTeachers.Create(spec.Lab);
            return new TeacherClient(spec, labLatency > TimeSpan.Zero ? new LatencyChatClient(lab, labLatency) : lab);
        }
        var endpoint = spec.Endpoint!;
        var key = Environment.GetEnvironmentVariable(endpoint.ApiKeyEnv);
        if (string.IsNullOrEmpty(key))
            throw new InvalidOperationException($"teacher '{spec.Name}': environment variable {endpoint.ApiKeyEnv} is not set; export it with the endpoint's API key");
        var client = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(endpoint.BaseUrl),
            NetworkTimeout = TimeSpan.FromSeconds(endpoint.TimeoutSeconds),
        });
        return new TeacherClient(spec, client.GetChatClient(endpoint.Model).AsIChatClient());
    }
}

/// <summary>Waits a fixed time before each call: a lab teacher that behaves like a remote endpoint in time.</summary>
public sealed class LatencyChatClient(IChatClient inner, TimeSpan latency) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        await Task.Delay(latency, cancellationToken);
        return await base.GetResponseAsync(messages, options, cancellationToken);
    }
}
