using System.ClientModel.Primitives;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Ded.Teachers.Endpoints;

/// <summary>
/// Reads what an engine's body says beyond its status: a 200 that carries no answer (<c>choices: []</c>, or an
/// <c>error</c> object as proxies send and vLLM streams mid-answer) and the field a 400 names. The error shape is
/// OpenAI's and vLLM's <c>{"error": {"message", "type", "param", "code"}}</c>
/// (vllm-project/vllm@ec3b890c14b00f6670515d9df8d503b5270e95ca:vllm/entrypoints/openai/protocol.py, ErrorInfo), with
/// older vLLM's top-level <c>message</c>/<c>param</c> and FastAPI's <c>'loc': ('body', 'top_k')</c> as fallbacks.
/// </summary>
internal static partial class AnswerBody
{
    /// <summary>The request field a 400 body names, or null when it names none.</summary>
    public static string? RejectedField(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : root;
            if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("param", out var param) && param.ValueKind == JsonValueKind.String
                && param.GetString() is { Length: > 0 } name)
                return name;
        }
        catch (JsonException)
        {
            // not JSON: the message text may still name the field
        }
        return BodyLocation().Match(body) is { Success: true } m ? m.Groups[1].Value : null;
    }

    /// <summary>A stream event that is an error object (vLLM's <c>data: {"error": ...}</c>), as a transient fault; else null.</summary>
    public static TransientEndpointException? ErrorEvent(ChatResponseUpdate update, string baseUrl, SecretRedactor redactor)
    {
#pragma warning disable SCME0001 // JsonPatch holds the fields the SDK does not model, such as "error".
        if (update.RawRepresentation is not OpenAI.Chat.StreamingChatCompletionUpdate raw || !raw.Patch.Contains("$.error"u8)) return null;
        var json = raw.Patch.GetJson("$.error"u8);
#pragma warning restore SCME0001
        return new TransientEndpointException(FaultCause.ErrorBody, baseUrl, "stream event was an error: " + redactor.Excerpt(ErrorMessage(json.ToMemory().Span)));
    }

    /// <summary>The fault a whole 200 body stands for (an error object, or no choices), or null when it holds an answer.</summary>
    public static TransientEndpointException? Fault(ReadOnlySpan<byte> body, string baseUrl, SecretRedactor redactor)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null; // not an object: the SDK reports it as malformed
            bool hasChoice = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isError = reader.ValueTextEquals("error"u8);
                var isChoices = reader.ValueTextEquals("choices"u8);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                var isNull = reader.TokenType == JsonTokenType.Null;
                if (isChoices && reader.TokenType == JsonTokenType.StartArray)
                {
                    var peek = reader; // a copy: looks at the first element without moving the reader
                    hasChoice = peek.Read() && peek.TokenType != JsonTokenType.EndArray;
                }
                reader.Skip(); // past the value (a no-op for a scalar)
                if (isError && !isNull)
                    return new TransientEndpointException(FaultCause.ErrorBody, baseUrl,
                        "HTTP 200 with an error: " + redactor.Excerpt(ErrorMessage(body[start..(int)reader.BytesConsumed])));
            }
            return hasChoice ? null : new TransientEndpointException(FaultCause.NoChoices, baseUrl, "HTTP 200 without any choice (choices empty or missing)");
        }
        catch (JsonException)
        {
            return null; // the SDK's own parse reports it as malformed
        }
    }

    /// <summary>An error object's <c>message</c>, or its JSON when it has none.</summary>
    private static string ErrorMessage(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var e = doc.RootElement;
            return e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()! : e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();
        }
        catch (JsonException)
        {
            return System.Text.Encoding.UTF8.GetString(json);
        }
    }

    [GeneratedRegex(@"'loc':\s*\(\s*'body',\s*'([A-Za-z_][A-Za-z0-9_]*)'")]
    private static partial Regex BodyLocation();
}

/// <summary>
/// Per attempt, turns a whole (buffered) 200 body that holds no answer into a transient fault before the SDK reads it:
/// Microsoft.Extensions.AI.OpenAI 10.11 reads <c>choices[0]</c> unchecked and throws ArgumentOutOfRangeException.
/// Streamed bodies are checked per event by <see cref="FaultClassifyingChatClient"/>.
/// </summary>
internal sealed class AnswerBodyPolicy(string baseUrl, SecretRedactor redactor) : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Check(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Check(message);
    }

    private void Check(PipelineMessage message)
    {
        if (message.BufferResponse && message.Response is { Status: 200 } response
            && AnswerBody.Fault(response.Content.ToMemory().Span, baseUrl, redactor) is { } fault)
            throw fault;
    }
}
