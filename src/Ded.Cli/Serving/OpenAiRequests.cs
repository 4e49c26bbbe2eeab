using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Ded.Cli.Serving;

/// <summary>What every generation request names: the model (null: the served one) and its sampling.</summary>
internal interface IOpenAiRequest
{
    string? Model { get; }
    SamplingRequest Sampling { get; }
}

/// <summary>A chat completion request as `ded serve` reads it.</summary>
internal sealed record ChatRequest(string? Model, IReadOnlyList<ChatMessage> Messages, SamplingRequest Sampling, bool IsStream, bool IncludeUsage)
    : IOpenAiRequest;

/// <summary>A legacy completion request: raw prompt, echo, legacy logprobs and vLLM's prompt_logprobs.</summary>
internal sealed record CompletionRequest(string? Model, string Prompt, SamplingRequest Sampling, bool IsEcho, bool IsPromptLogprobs)
    : IOpenAiRequest;

/// <summary>
/// Reads OpenAI request bodies into typed requests, checking every field `ded serve` reads against the ranges and types
/// of openai/openai-openapi@f85dbe223d40e1a31cba812ab2d755c7e98a92a3:openapi.yaml (CreateChatCompletionRequest,
/// CreateCompletionRequest, StopConfiguration, the ChatCompletionRequest*Message schemas). A bad field answers 400 with
/// the field's path as <c>param</c> and OpenAI's codes (invalid_type, missing_required_parameter, *_above_max_value, ...).
/// Fields it does not read are ignored, as vLLM ignores them.
/// </summary>
internal static class OpenAiRequests
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    /// <exception cref="ApiException">A field is missing, of the wrong type or out of range (400).</exception>
    public static ChatRequest Chat(JsonElement body)
    {
        var f = Fields.Of(body, "");
        var messages = f.Array("messages") ?? throw Missing("messages");
        if (messages.GetArrayLength() == 0)
            throw new ApiException(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array");
        var list = messages.EnumerateArray().Select((m, i) => Message(m, $"messages[{i}]")).ToList();
        bool logprobs = f.Bool("logprobs");
        if (f.Integer("top_logprobs", 0, 20) is > 0)
            throw ApiException.Invalid("top_logprobs", "Invalid 'top_logprobs': ded serve returns no alternative tokens; send 0 or leave it out.");
        bool usage = f.Object("stream_options") is { } options && options.Bool("include_usage");
        return new ChatRequest(f.String("model"), list, Sampling(f, logprobs), f.Bool("stream"), usage);
    }

    /// <exception cref="ApiException">A field is missing, of the wrong type or out of range (400).</exception>
    public static CompletionRequest Completion(JsonElement body)
    {
        var f = Fields.Of(body, "");
        if (f.Bool("stream")) throw ApiException.Invalid("stream", "stream: ded serve streams chat completions only; send stream: false");
        if (body.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.Array)
            throw new ApiException(400, "prompt must be one string", "prompt", "invalid_type");
        var prompt = f.String("prompt") ?? throw Missing("prompt");
        bool logprobs = f.Integer("logprobs", 0, 5) is not null; // the legacy API's logprobs: the number of alternatives
        bool promptLogprobs = f.Integer("prompt_logprobs", 0, 20) is not null;
        return new CompletionRequest(f.String("model"), prompt, Sampling(f, logprobs), f.Bool("echo"), promptLogprobs);
    }

    private static SamplingRequest Sampling(Fields f, bool logprobs) => new()
    {
        N = f.Integer("n", 1, 128) ?? 1,
        Temperature = f.Number("temperature", 0, 2),
        TopP = f.Number("top_p", 0, 1),
        Seed = f.Long("seed"),
        MaxTokens = f.Integer("max_completion_tokens", 0, int.MaxValue) ?? f.Integer("max_tokens", 0, int.MaxValue),
        Stop = Stop(f),
        Logprobs = logprobs,
    };

    /// <summary>StopConfiguration: null, one string, or up to 4 strings; none may be empty.</summary>
    private static IReadOnlyList<string> Stop(Fields f)
    {
        if (f.Get("stop") is not { } stop) return [];
        if (stop.ValueKind == JsonValueKind.String) return [NonEmpty(f.String("stop")!, "stop")];
        if (stop.ValueKind != JsonValueKind.Array) throw WrongType("stop", "a string or an array of strings", stop);
        if (stop.GetArrayLength() > 4)
            throw new ApiException(400, $"Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length {stop.GetArrayLength()} instead.", "stop", "array_above_max_length");
        return [.. stop.EnumerateArray().Select((s, i) => NonEmpty(Fields.Text(s, $"stop[{i}]"), $"stop[{i}]"))];
    }

    private static string NonEmpty(string s, string path) =>
        s.Length > 0 ? s : throw ApiException.Invalid(path, $"Invalid '{path}': empty string. Stop sequences must not be empty.");

    private static ChatMessage Message(JsonElement m, string path)
    {
        var f = Fields.Of(m, path + ".");
        var role = f.String("role") ?? throw Missing(path + ".role");
        if (!Roles.Contains(role))
            throw ApiException.Invalid(path + ".role", $"Invalid value: '{Excerpt(role)}'. Supported values are: {string.Join(", ", Roles.Select(r => $"'{r}'"))}.");
        var content = f.Get("content");
        var text = content switch
        {
            null when role == "assistant" => "", // an assistant turn may carry tool calls instead of content
            null => throw Missing(path + ".content"),
            { ValueKind: JsonValueKind.String } => Fields.Text(content.Value, path + ".content"),
            { ValueKind: JsonValueKind.Array } a => string.Concat(a.EnumerateArray().Select((part, i) => Part(part, $"{path}.content[{i}]"))),
            { } other => throw WrongType(path + ".content", "a string or an array of content parts", other),
        };
        return new ChatMessage(new ChatRole(role), text);
    }

    /// <summary>A text part's text; other part types (image_url, input_audio, file, refusal) cannot be served here.</summary>
    private static string Part(JsonElement part, string path)
    {
        var f = Fields.Of(part, path + ".");
        var type = f.String("type") ?? throw Missing(path + ".type");
        if (type != "text")
            throw ApiException.Invalid(path + ".type", $"Invalid value: '{Excerpt(type)}'. ded serve reads text only; supported values are: 'text'.");
        return f.String("text") ?? throw Missing(path + ".text");
    }

    private static ApiException Missing(string path) => new(400, $"Missing required parameter: '{path}'.", path, "missing_required_parameter");

    private static ApiException WrongType(string path, string expected, JsonElement got) =>
        new(400, $"Invalid type for '{path}': expected {expected}, but got {Kind(got)} instead.", path, "invalid_type");

    /// <summary>A value as sent, cut short: an error message must not echo a megabyte of digits.</summary>
    private static string Raw(JsonElement e) => Excerpt(e.GetRawText());

    private static string Excerpt(string s) => s.Length <= 40 ? s : s[..(char.IsHighSurrogate(s[39]) ? 39 : 40)] + "…";

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>Typed, checked reads of one JSON object's fields; null (or absent) means "the default".</summary>
    private readonly struct Fields
    {
        private readonly JsonElement _obj;
        private readonly string _prefix;

        private Fields(JsonElement obj, string prefix) => (_obj, _prefix) = (obj, prefix);

        public static Fields Of(JsonElement e, string prefix) => e.ValueKind == JsonValueKind.Object ? new Fields(e, prefix)
            : prefix.Length == 0 ? throw new ApiException(400, $"The request body must be a JSON object, but it is {Kind(e)}.", null, "invalid_type")
            : throw WrongType(prefix.TrimEnd('.'), "an object", e);

        public JsonElement? Get(string name) =>
            _obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        public string? String(string name) => Get(name) is { } v ? Text(v, _prefix + name) : null;

        public bool Bool(string name) => Get(name) is not { } v ? false
            : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw WrongType(_prefix + name, "a boolean", v);

        public JsonElement? Array(string name) => Get(name) is not { } v ? null
            : v.ValueKind == JsonValueKind.Array ? v : throw WrongType(_prefix + name, "an array", v);

        public Fields? Object(string name) => Get(name) is { } v ? Of(v, _prefix + name + ".") : null;

        public double? Number(string name, double min, double max)
        {
            if (Get(name) is not { } v) return null;
            var path = _prefix + name;
            if (v.ValueKind != JsonValueKind.Number) throw WrongType(path, "a decimal", v);
            if (!v.TryGetDouble(out var d) || !double.IsFinite(d))
                throw ApiException.Invalid(path, $"Invalid '{path}': {Raw(v)} is not a finite number.");
            if (d < min || d > max) throw OutOfRange(path, "decimal", d > max, d > max ? max : min, v);
            return d;
        }

        public int? Integer(string name, int min, int max)
        {
            if (Long(name) is not { } n) return null;
            var path = _prefix + name;
            if (n < min || n > max) throw OutOfRange(path, "integer", n > max, n > max ? max : min, Get(name)!.Value);
            return (int)n;
        }

        public long? Long(string name)
        {
            if (Get(name) is not { } v) return null;
            var path = _prefix + name;
            if (v.ValueKind != JsonValueKind.Number) throw WrongType(path, "an integer", v);
            return v.TryGetInt64(out var n) ? n
                : throw new ApiException(400, $"Invalid type for '{path}': expected an integer (digits only, within 64 bits), but got {Raw(v)} instead.", path, "invalid_type");
        }

        /// <summary>A string value; an escaped lone surrogate (<c>"\ud800"</c>) is not text.</summary>
        public static string Text(JsonElement v, string path)
        {
            if (v.ValueKind != JsonValueKind.String) throw WrongType(path, "a string", v);
            try
            {
                return v.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw ApiException.Invalid(path, $"Invalid '{path}': the string holds an unpaired surrogate escape; send valid UTF-16 (\\ud83d\\ude00 pairs) or UTF-8.");
            }
        }

        private static ApiException OutOfRange(string path, string kind, bool isAbove, double bound, JsonElement got) =>
            new(400, $"Invalid '{path}': {kind} {(isAbove ? "above maximum" : "below minimum")} value. " +
                     $"Expected a value {(isAbove ? "<=" : ">=")} {bound.ToString(CultureInfo.InvariantCulture)}, but got {Raw(got)} instead.",
                path, $"{kind}_{(isAbove ? "above_max" : "below_min")}_value");
    }
}
