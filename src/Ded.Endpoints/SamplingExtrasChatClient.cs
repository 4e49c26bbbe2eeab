using System.Text.Json;
using Microsoft.Extensions.AI;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Writes the sampling fields Microsoft.Extensions.AI.OpenAI 10.11 drops (<c>top_k</c>, <c>min_p</c>,
/// <c>chat_template_kwargs</c>) and, where the engine wants it, <c>max_tokens</c> instead of
/// <c>max_completion_tokens</c>, into the request body through the SDK's JSON patch on
/// <see cref="ChatCompletionOptions"/>. The caller's <see cref="ChatOptions"/> is cloned, never changed.
/// </summary>
internal sealed class SamplingExtrasChatClient : DelegatingChatClient
{
    private readonly EndpointSamplingOptions _sampling;
    private readonly bool _useMaxTokens;
    private readonly byte[]? _templateKwargsJson;
    private readonly bool _hasEndpointExtras;

    public SamplingExtrasChatClient(IChatClient inner, EndpointOptions options) : base(inner)
    {
        _sampling = options.Sampling;
        _useMaxTokens = options.MaxTokensField == "max_tokens";
        _templateKwargsJson = _sampling.ChatTemplateKwargs.Count == 0
            ? null : JsonSerializer.SerializeToUtf8Bytes(_sampling.ChatTemplateKwargs);
        _hasEndpointExtras = _useMaxTokens || _sampling.Stop.Count > 0 || _sampling.TopK is not null || _sampling.MinP is not null
            || _templateKwargsJson is not null;
    }

    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetResponseAsync(messages, Apply(options), cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(messages, Apply(options), cancellationToken);

    /// <summary>A clone of <paramref name="options"/> whose raw-options factory patches the extra fields in.</summary>
    internal ChatOptions? Apply(ChatOptions? options)
    {
        if (!_hasEndpointExtras && options?.TopK is null) return options; // why: nothing to add; skip a clone per request
        var result = options?.Clone() ?? new ChatOptions();
        if (_sampling.Stop.Count > 0)
            result.StopSequences = [.. result.StopSequences ?? [], .. _sampling.Stop.Where(s => result.StopSequences?.Contains(s) != true)];
        var topK = result.TopK ?? _sampling.TopK;
        int? maxTokens = _useMaxTokens ? result.MaxOutputTokens : null;
        if (maxTokens is not null) result.MaxOutputTokens = null; // sent as max_tokens below instead
        if (topK is null && _sampling.MinP is null && _templateKwargsJson is null && maxTokens is null)
            return result;

        var callerFactory = result.RawRepresentationFactory;
        result.RawRepresentationFactory = client =>
        {
            var raw = callerFactory?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
            Patch(raw, topK, maxTokens);
            return raw;
        };
        return result;
    }

#pragma warning disable SCME0001 // JsonPatch is marked experimental in System.ClientModel 1.x; it is the SDK's only way to add body fields.
    private void Patch(ChatCompletionOptions raw, int? topK, int? maxTokens)
    {
        if (topK is { } k) raw.Patch.Set("$.top_k"u8, k);
        if (_sampling.MinP is { } minP) raw.Patch.Set("$.min_p"u8, minP);
        if (_templateKwargsJson is not null) raw.Patch.Set("$.chat_template_kwargs"u8, new BinaryData(_templateKwargsJson));
        if (maxTokens is { } m) raw.Patch.Set("$.max_tokens"u8, m);
    }
#pragma warning restore SCME0001
}
