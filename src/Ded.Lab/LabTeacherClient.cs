using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Ded.Lab;

/// <summary>An in-process "endpoint" that answers lab questions in a teacher's style, sampled by temperature and seed.</summary>
internal sealed class LabTeacherClient(LabTeacherStyle style) : IChatClient
{
    /// <summary>Lab teachers sample at this temperature when the request names none (as servers default to 1.0).</summary>
    private const float DefaultTemperature = 1.0f;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        string question = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        float temperature = options?.Temperature ?? DefaultTemperature;
        // Stable across processes (string.GetHashCode is not): the same seed and question give the same text.
        var rng = new Random(HashCode64(question, style.Name, options?.Seed ?? 0));
        string text = style.Answer(question, rng, temperature);

        var finish = ChatFinishReason.Stop;
        if (options?.MaxOutputTokens is int max && text.Length > max)
        {
            text = text[..max];
            finish = ChatFinishReason.Length;
        }
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            FinishReason = finish,
            ModelId = "lab/" + style.Name,
            // The lab counts characters as tokens: its student reads characters.
            Usage = new UsageDetails { InputTokenCount = question.Length, OutputTokenCount = text.Length, TotalTokenCount = question.Length + text.Length },
            CreatedAt = DateTimeOffset.UnixEpoch,
        };
        response.AdditionalProperties = new() { ["latency_ms"] = clock.Elapsed.TotalMilliseconds };
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
            yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("ded-lab", null, "lab/" + style.Name)
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }

    /// <summary>FNV-1a over the question, the teacher and the seed, folded to an int seed.</summary>
    private static int HashCode64(string question, string teacher, long seed)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in question) h = (h ^ c) * 1099511628211UL;
        foreach (char c in teacher) h = (h ^ c) * 1099511628211UL;
        for (int i = 0; i < 8; i++) h = (h ^ (byte)(seed >> (8 * i))) * 1099511628211UL;
        return (int)(h ^ (h >> 32));
    }
}
