using Ded.Lab;
using Microsoft.Extensions.AI;
using Ded.Teachers.Endpoints;

namespace Ded.Teachers;

/// <summary>Builds the chat client for a recipe teacher: a lab teacher, or an OpenAI-compatible endpoint.</summary>
public static class TeacherClients
{
    /// <param name="labLatency">Simulated network latency for lab teachers (lab teachers answer in microseconds; demos and
    /// the kill-and-resume test need rollouts that take observable time). Zero for none.</param>
    /// <exception cref="EndpointException">An endpoint teacher whose API-key variable is not set.</exception>
    public static TeacherClient Create(TeacherSpec spec, TimeSpan labLatency)
    {
        if (spec.Lab is not null)
        {
            var lab = LabTeachers.Create(spec.Lab);
            return new TeacherClient(spec, labLatency > TimeSpan.Zero ? new LatencyChatClient(lab, labLatency) : lab);
        }
        // Retries, rate limits, max in flight and failover live in the endpoint stack; the run store is the pay-once cache above it.
        return new TeacherClient(spec, EndpointClientFactory.Create(spec.Endpoint!));
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
