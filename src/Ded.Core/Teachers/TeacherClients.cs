using Microsoft.Extensions.AI;

namespace Ded.Teachers;

/// <summary>Builds the chat client for a recipe teacher, whatever its kind.</summary>
public static class TeacherClients
{
    /// <param name="latency">Simulated network latency per request (lab teachers answer in microseconds; demos and
    /// the kill-and-resume test need rollouts that take observable time). Zero for none.</param>
    /// <exception cref="Endpoints.EndpointException">An endpoint teacher whose API-key variable is not set.</exception>
    public static TeacherClient Create(TeacherSpec spec, TimeSpan latency)
    {
        var client = spec.CreateClient();
        return new TeacherClient(spec, latency > TimeSpan.Zero ? new LatencyChatClient(client, latency) : client);
    }
}

/// <summary>Waits a fixed time before each call: an in-process teacher that behaves like a remote endpoint in time.</summary>
public sealed class LatencyChatClient(IChatClient inner, TimeSpan latency) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        await Task.Delay(latency, cancellationToken);
        return await base.GetResponseAsync(messages, options, cancellationToken);
    }
}
