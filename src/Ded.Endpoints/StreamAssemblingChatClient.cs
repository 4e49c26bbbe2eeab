using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// With <see cref="EndpointOptions.Stream"/>, answers a non-streaming call by streaming and assembling the updates,
/// so a 32k-token answer keeps the connection busy and a stream that ends without a finish reason is a
/// <see cref="FaultCause.StreamCut"/> that the retry layer resends, instead of a silently short trajectory.
/// </summary>
internal sealed class StreamAssemblingChatClient(IChatClient inner, string baseUrl, SecretRedactor redactor) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                if (AnswerBody.ErrorEvent(update, baseUrl, redactor) is { } error) throw error; // vLLM's error mid-stream
                updates.Add(update);
            }
        }
        catch (Exception ex) when (updates.Count > 0 && !cancellationToken.IsCancellationRequested && ex is not TransientEndpointException)
        {
            // why: a connection dropped after the answer began is a cut stream, whatever the transport calls it.
            throw new TransientEndpointException(FaultCause.StreamCut, baseUrl, $"stream broke after {updates.Count} updates: {ex.GetType().Name}");
        }
        var response = updates.ToChatResponse();
        if (response.FinishReason is null)
            throw new TransientEndpointException(FaultCause.StreamCut, baseUrl,
                $"stream ended after {updates.Count} updates without a finish reason");
        return response;
    }
}
