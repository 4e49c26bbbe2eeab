using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Reads the reasoning that current engines send as <c>reasoning</c> (vLLM since PR #27752, Ollama's OpenAI
/// endpoint), in messages and stream deltas, as <see cref="TextReasoningContent"/>. Microsoft.Extensions.AI.OpenAI
/// 10.11 maps only <c>reasoning_content</c> (older vLLM, SGLang, llama.cpp); where an engine sends both (vLLM
/// between the rename and the removal) the mapped <c>reasoning_content</c> is kept and <c>reasoning</c> is not added
/// twice. Innermost over the SDK client, where the raw JSON is still at hand.
/// </summary>
#pragma warning disable SCME0001 // JsonPatch is experimental in System.ClientModel 1.x; it holds the fields the SDK does not model.
internal sealed class ReasoningFieldChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        if (response.RawRepresentation is ChatCompletion completion && response.Messages.Count > 0
            && Reasoning(ref completion.Patch, "$.choices[0].message.reasoning"u8) is { } reasoning)
            AddIfMissing(response.Messages[^1].Contents, reasoning);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            if (update.RawRepresentation is StreamingChatCompletionUpdate raw
                && Reasoning(ref raw.Patch, "$.choices[0].delta.reasoning"u8) is { } reasoning)
                AddIfMissing(update.Contents, reasoning);
            yield return update;
        }
    }

    private static void AddIfMissing(IList<AIContent> contents, string reasoning)
    {
        if (!contents.OfType<TextReasoningContent>().Any()) contents.Insert(0, new TextReasoningContent(reasoning));
    }

    private static string? Reasoning(ref System.ClientModel.Primitives.JsonPatch patch, ReadOnlySpan<byte> path) =>
        patch.TryGetValue(path, out string? value) && !string.IsNullOrEmpty(value) ? value : null;
}
#pragma warning restore SCME0001
