using System.Text;
using System.Text.Json.Nodes;
using Ded.Cli.Bench;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>One `ded serve` process for a table of requests.</summary>
public sealed class HostileServer : IAsyncLifetime
{
    internal ServedProcess Server { get; private set; } = null!;

    // A 2 s body timeout keeps the endless and trickling bodies short.
    public async Task InitializeAsync() => Server = await ServedProcess.StartAsync(null, "--lab-teacher", "oracle", "--body-timeout-s", "2");

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Issue 15 item 8: every hostile or malformed request gets its exact 4xx and an OpenAI error body
/// (<c>{"error": {"message", "type", "param", "code"}}</c>, the Error schema of
/// openai/openai-openapi@f85dbe223d40e1a31cba812ab2d755c7e98a92a3:openapi.yaml), sent byte for byte over a raw socket;
/// ranges and types are those of that file's CreateChatCompletionRequest and CreateCompletionRequest.
/// </summary>
public class ServeHostileRequestTests(HostileServer fixture) : IClassFixture<HostileServer>
{
    private const string Ask = "\"messages\":[{\"role\":\"user\",\"content\":\"What is 1 + 1?\"}]";

    /// <summary>A request, and what must come back: status, error param, error code, error message.</summary>
    private sealed record Case(Func<int, Task<(int Status, string Headers, string Body)>> SendAsync, int Status, string? Param, string? Code, string Message);

    private static Case Chat(string json, int status, string? param, string? code, string message) =>
        new(port => RawHttp.SendAsync(port, RawHttp.Headers(port, Encoding.UTF8.GetByteCount(json)), json), status, param, code, message);

    private static Case Completion(string json, int status, string? param, string? code, string message) =>
        new(port => RawHttp.SendAsync(port, RawHttp.Headers(port, Encoding.UTF8.GetByteCount(json), "/v1/completions"), json), status, param, code, message);

    private static Case Bytes(byte[] body, int status, string? param, string? code, string message) =>
        new(port => RawHttp.SendAsync(port, Encoding.UTF8.GetBytes(RawHttp.Headers(port, body.Length)), [body]), status, param, code, message);

    /// <summary>Headers written by the case itself ({port} filled in), then the body pieces.</summary>
    private static Case Raw(string head, IEnumerable<string> pieces, TimeSpan pause, int status, string? param, string? code, string message) =>
        new(port => RawHttp.SendAsync(port, Encoding.UTF8.GetBytes(head.Replace("{port}", port.ToString())), pieces.Select(p => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(p)), pause),
            status, param, code, message);

    private static Case Raw(string head, string body, int status, string? param, string? code, string message) =>
        Raw(head, [body], TimeSpan.Zero, status, param, code, message);

    private const string Post = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n";
    private const string Json = "Content-Type: application/json\r\n";

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Malformed JSON
        ["unclosed object"] = Chat("{\"messages\": [", 400, null, "invalid_json",
            "We could not parse the JSON body of your request: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. LineNumber: 0 | BytePositionInLine: 14."),
        ["empty body"] = Chat("", 400, null, "invalid_json",
            "We could not parse the JSON body of your request: The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true. LineNumber: 0 | BytePositionInLine: 0."),
        ["array body"] = Chat("[]", 400, null, "invalid_type", "The request body must be a JSON object, but it is an array."),
        ["trailing garbage"] = Chat("{" + Ask + "} x", 400, null, "invalid_json",
            "We could not parse the JSON body of your request: 'x' is invalid after a single JSON value. Expected end of data. LineNumber: 0 | BytePositionInLine: 58."),
        ["NaN literal"] = Chat("{" + Ask + ",\"temperature\":NaN}", 400, null, "invalid_json",
            "We could not parse the JSON body of your request: 'N' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 71."),
        ["single quotes"] = Chat("{'messages':[]}", 400, null, "invalid_json",
            "We could not parse the JSON body of your request: ''' is an invalid start of a property name. Expected a '\"'. LineNumber: 0 | BytePositionInLine: 1."),
        ["duplicate key"] = Chat("{" + Ask + ",\"model\":\"lab/oracle\",\"model\":\"other\"}", 400, null, "invalid_json",
            "We could not parse the JSON body of your request: Duplicate property 'model' encountered during deserialization."),
        ["deep nesting"] = Chat("{" + Ask + ",\"x\":" + new string('[', 1000) + new string(']', 1000) + "}", 400, null, "invalid_json",
            "We could not parse the JSON body of your request: The maximum configured depth of 64 has been exceeded. Cannot read next JSON array. LineNumber: 0 | BytePositionInLine: 124."),
        ["too many values"] = Chat("{" + Ask + ",\"x\":[" + string.Join(",", Enumerable.Repeat("0", 60_000)) + "]}", 400, null, "too_many_values",
            "The request body holds more than 50000 JSON values; send fewer messages or parts."),
        ["invalid UTF-8"] = Bytes([.. Encoding.UTF8.GetBytes("{" + Ask[..^3] + " \""), 0xFF, 0xFE, .. "\"}]}"u8], 400, null, "invalid_encoding",
            "The request body is not valid UTF-8."),
        ["UTF-8 encoded surrogate"] = Bytes([.. Encoding.UTF8.GetBytes("{" + Ask[..^3]), 0xED, 0xA0, 0x80, .. "\"}]}"u8], 400, null, "invalid_encoding",
            "The request body is not valid UTF-8."),
        ["lone surrogate escape"] = Chat("""{"messages":[{"role":"user","content":"x\ud800y"}]}""", 400, "messages[0].content", "invalid_value",
            @"Invalid 'messages[0].content': the string holds an unpaired surrogate escape; send valid UTF-16 (\ud83d\ude00 pairs) or UTF-8."),

        // Sampling fields: types and ranges
        ["temperature too high"] = Chat("{" + Ask + ",\"temperature\":2.5}", 400, "temperature", "decimal_above_max_value",
            "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 2.5 instead."),
        ["temperature negative"] = Chat("{" + Ask + ",\"temperature\":-0.1}", 400, "temperature", "decimal_below_min_value",
            "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -0.1 instead."),
        ["temperature overflows"] = Chat("{" + Ask + ",\"temperature\":1e999}", 400, "temperature", "invalid_value",
            "Invalid 'temperature': 1e999 is not a finite number."),
        ["temperature string"] = Chat("{" + Ask + ",\"temperature\":\"hot\"}", 400, "temperature", "invalid_type",
            "Invalid type for 'temperature': expected a decimal, but got a string instead."),
        ["top_p above 1"] = Chat("{" + Ask + ",\"top_p\":1.5}", 400, "top_p", "decimal_above_max_value",
            "Invalid 'top_p': decimal above maximum value. Expected a value <= 1, but got 1.5 instead."),
        ["n zero"] = Chat("{" + Ask + ",\"n\":0}", 400, "n", "integer_below_min_value",
            "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."),
        ["n 129"] = Chat("{" + Ask + ",\"n\":129}", 400, "n", "integer_above_max_value",
            "Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 instead."),
        ["n fraction"] = Chat("{" + Ask + ",\"n\":1.5}", 400, "n", "invalid_type",
            "Invalid type for 'n': expected an integer (digits only, within 64 bits), but got 1.5 instead."),
        ["n huge"] = Chat("{" + Ask + ",\"n\":" + new string('9', 400) + "}", 400, "n", "invalid_type",
            "Invalid type for 'n': expected an integer (digits only, within 64 bits), but got 9999999999999999999999999999999999999999… instead."),
        ["max_tokens negative"] = Chat("{" + Ask + ",\"max_tokens\":-1}", 400, "max_tokens", "integer_below_min_value",
            "Invalid 'max_tokens': integer below minimum value. Expected a value >= 0, but got -1 instead."),
        ["max_completion_tokens over int"] = Chat("{" + Ask + ",\"max_completion_tokens\":1099511627776}", 400, "max_completion_tokens", "integer_above_max_value",
            "Invalid 'max_completion_tokens': integer above maximum value. Expected a value <= 2147483647, but got 1099511627776 instead."),
        ["seed over 64 bits"] = Chat("{" + Ask + ",\"seed\":18446744073709551616}", 400, "seed", "invalid_type",
            "Invalid type for 'seed': expected an integer (digits only, within 64 bits), but got 18446744073709551616 instead."),
        ["stop [null]"] = Chat("{" + Ask + ",\"stop\":[null]}", 400, "stop[0]", "invalid_type",
            "Invalid type for 'stop[0]': expected a string, but got null instead."),
        ["stop number"] = Chat("{" + Ask + ",\"stop\":3}", 400, "stop", "invalid_type",
            "Invalid type for 'stop': expected a string or an array of strings, but got a number instead."),
        ["stop five"] = Chat("{" + Ask + ",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", 400, "stop", "array_above_max_length",
            "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 5 instead."),
        ["stop empty string"] = Chat("{" + Ask + ",\"stop\":\"\"}", 400, "stop", "invalid_value",
            "Invalid 'stop': empty string. Stop sequences must not be empty."),
        ["logprobs string"] = Chat("{" + Ask + ",\"logprobs\":\"yes\"}", 400, "logprobs", "invalid_type",
            "Invalid type for 'logprobs': expected a boolean, but got a string instead."),
        ["top_logprobs 21"] = Chat("{" + Ask + ",\"top_logprobs\":21}", 400, "top_logprobs", "integer_above_max_value",
            "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead."),
        ["top_logprobs alternatives"] = Chat("{" + Ask + ",\"logprobs\":true,\"top_logprobs\":3}", 400, "top_logprobs", "invalid_value",
            "Invalid 'top_logprobs': ded serve returns no alternative tokens; send 0 or leave it out."),
        ["stream string"] = Chat("{" + Ask + ",\"stream\":\"true\"}", 400, "stream", "invalid_type",
            "Invalid type for 'stream': expected a boolean, but got a string instead."),
        ["stream_options number"] = Chat("{" + Ask + ",\"stream_options\":1}", 400, "stream_options", "invalid_type",
            "Invalid type for 'stream_options': expected an object, but got a number instead."),
        ["model number"] = Chat("{" + Ask + ",\"model\":5}", 400, "model", "invalid_type",
            "Invalid type for 'model': expected a string, but got a number instead."),
        ["other model"] = Chat("{" + Ask + ",\"model\":\"gpt-4o\"}", 404, "model", "model_not_found",
            "model 'gpt-4o' is not served here; this server serves 'lab/oracle'"),

        // Messages and content parts
        ["no messages"] = Chat("{}", 400, "messages", "missing_required_parameter", "Missing required parameter: 'messages'."),
        ["messages empty"] = Chat("{\"messages\":[]}", 400, "messages", "empty_array",
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."),
        ["messages string"] = Chat("{\"messages\":\"hi\"}", 400, "messages", "invalid_type",
            "Invalid type for 'messages': expected an array, but got a string instead."),
        ["message number"] = Chat("{\"messages\":[1]}", 400, "messages[0]", "invalid_type",
            "Invalid type for 'messages[0]': expected an object, but got a number instead."),
        ["role missing"] = Chat("{\"messages\":[{\"content\":\"hi\"}]}", 400, "messages[0].role", "missing_required_parameter",
            "Missing required parameter: 'messages[0].role'."),
        ["role unknown"] = Chat("{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", 400, "messages[0].role", "invalid_value",
            "Invalid value: 'robot'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', 'function'."),
        ["content missing"] = Chat("{\"messages\":[{\"role\":\"user\"}]}", 400, "messages[0].content", "missing_required_parameter",
            "Missing required parameter: 'messages[0].content'."),
        ["content number"] = Chat("{\"messages\":[{\"role\":\"user\",\"content\":5}]}", 400, "messages[0].content", "invalid_type",
            "Invalid type for 'messages[0].content': expected a string or an array of content parts, but got a number instead."),
        ["text part without text"] = Chat("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}", 400, "messages[0].content[0].text", "missing_required_parameter",
            "Missing required parameter: 'messages[0].content[0].text'."),
        ["part without type"] = Chat("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}", 400, "messages[0].content[0].type", "missing_required_parameter",
            "Missing required parameter: 'messages[0].content[0].type'."),
        ["image part"] = Chat("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://x/y.png\"}}]}]}", 400, "messages[0].content[0].type", "invalid_value",
            "Invalid value: 'image_url'. ded serve reads text only; supported values are: 'text'."),
        ["part string"] = Chat("{\"messages\":[{\"role\":\"user\",\"content\":[\"hi\"]}]}", 400, "messages[0].content[0]", "invalid_type",
            "Invalid type for 'messages[0].content[0]': expected an object, but got a string instead."),
        ["text part number"] = Chat("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":7}]}]}", 400, "messages[0].content[0].text", "invalid_type",
            "Invalid type for 'messages[0].content[0].text': expected a string, but got a number instead."),

        // Completions
        ["prompt missing"] = Completion("{}", 400, "prompt", "missing_required_parameter", "Missing required parameter: 'prompt'."),
        ["prompt list"] = Completion("{\"prompt\":[\"a\",\"b\"]}", 400, "prompt", "invalid_type", "prompt must be one string"),
        ["logprobs 6"] = Completion("{\"prompt\":\"a\",\"logprobs\":6}", 400, "logprobs", "integer_above_max_value",
            "Invalid 'logprobs': integer above maximum value. Expected a value <= 5, but got 6 instead."),
        ["completion stream"] = Completion("{\"prompt\":\"a\",\"stream\":true}", 400, "stream", "invalid_value",
            "stream: ded serve streams chat completions only; send stream: false"),

        // Bodies: size, framing, pace
        ["declared 27 MiB"] = Raw(Post + Json + "Content-Length: 28311552\r\n\r\n", "{", 413, null, "request_too_large",
            "The request body is 28311552 bytes; ded serve takes at most 262144 (--max-request-bytes)."),
        ["chunked over the limit"] = Raw(Post + Json + "Transfer-Encoding: chunked\r\n\r\n", Enumerable.Repeat("10000\r\n" + new string(' ', 65536) + "\r\n", 8),
            TimeSpan.Zero, 413, null, "request_too_large", "The request body is over 262144 bytes, the most ded serve takes (--max-request-bytes)."),
        ["chunked without end"] = Raw(Post + Json + "Transfer-Encoding: chunked\r\n\r\n", "5\r\n{\"mes\r\n", 408, null, "request_timeout",
            "The request body did not arrive in time (all of it within 2 s, at least 240 bytes/s)."),
        ["slowloris body"] = Raw(Post + Json + "Content-Length: 100\r\n\r\n", Enumerable.Repeat(" ", 100), TimeSpan.FromMilliseconds(300), 408, null, "request_timeout",
            "The request body did not arrive in time (all of it within 2 s, at least 240 bytes/s)."),
        ["body shorter than declared"] = Raw(Post + Json + "Content-Length: 100\r\n\r\n", "{}", 408, null, "request_timeout",
            "The request body did not arrive in time (all of it within 2 s, at least 240 bytes/s)."),
        ["bad chunk size"] = Raw(Post + Json + "Transfer-Encoding: chunked\r\n\r\n", "zz\r\n{}\r\n0\r\n\r\n", 400, null, "malformed_body",
            "The request body is malformed: Bad chunk size data."),

        // Headers: content type, host, origin, routes
        ["text/plain"] = Raw(Post + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n", "{}", 415, null, "unsupported_media_type",
            "Content-Type must be application/json (got 'text/plain')."),
        ["no content type"] = Raw(Post + "Content-Length: 2\r\n\r\n", "{}", 415, null, "unsupported_media_type",
            "Content-Type must be application/json (got '')."),
        ["latin-1 JSON"] = Raw(Post + "Content-Type: application/json; charset=iso-8859-1\r\nContent-Length: 2\r\n\r\n", "{}", 415, null, "unsupported_media_type",
            "Content-Type must be application/json (got 'application/json; charset=iso-8859-1')."),
        ["form post"] = Raw(Post + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2\r\n\r\n", "{}", 415, null, "unsupported_media_type",
            "Content-Type must be application/json (got 'application/x-www-form-urlencoded')."),
        ["rebinding host"] = Raw("POST /v1/chat/completions HTTP/1.1\r\nHost: attacker.example:{port}\r\n" + Json + "Content-Length: 2\r\n\r\n", "{}", 400, null, "invalid_host",
            "Host 'attacker.example:{port}' is not served here: ded serve answers localhost, 127.0.0.1, [::1]; start it with --allowed-host NAME to add a name."),
        ["no host (HTTP/1.0)"] = Raw("POST /v1/chat/completions HTTP/1.0\r\n" + Json + "Content-Length: 2\r\n\r\n", "{}", 400, null, "invalid_host",
            "Host '' is not served here: ded serve answers localhost, 127.0.0.1, [::1]; start it with --allowed-host NAME to add a name."),
        ["cross-origin page"] = Raw(Post + "Origin: http://attacker.example\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n", "{}", 403, null, "origin_not_allowed",
            "Cross-origin request from 'http://attacker.example' refused: start ded serve with --cors-origin http://attacker.example to let that page call it."),
        ["sandboxed page (Origin: null)"] = Raw(Post + "Origin: null\r\n" + Json + "Content-Length: 2\r\n\r\n", "{}", 403, null, "origin_not_allowed",
            "Cross-origin request from 'null' refused: start ded serve with --cors-origin null to let that page call it."),
        ["preflight from a page"] = Raw("OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://attacker.example\r\nAccess-Control-Request-Method: POST\r\n\r\n", "",
            403, null, "origin_not_allowed",
            "Cross-origin request from 'http://attacker.example' refused: start ded serve with --cors-origin http://attacker.example to let that page call it."),
        ["unknown route"] = Raw("GET /v1/engines HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n", "", 404, null, null,
            "GET /v1/engines is not served here: GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, POST /v1/completions, GET /stats"),
        ["wrong method"] = Raw("DELETE /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n", "", 405, null, null,
            "DELETE /v1/models is not served here: GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, POST /v1/completions, GET /stats"),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task EachBadRequestGetsItsStatusAndAnOpenAiErrorBody(string name)
    {
        var c = Cases[name];
        var port = fixture.Server.Port;
        var (status, headers, body) = await c.SendAsync(port);
        Assert.True(headers.Contains("Content-Type: application/json", StringComparison.OrdinalIgnoreCase), headers);
        var error = JsonNode.Parse(body)!["error"]!;
        Assert.Equal((c.Status, c.Param, c.Code, c.Message.Replace("{port}", port.ToString())),
            (status, error["param"]?.GetValue<string>(), error["code"]?.GetValue<string>(), error["message"]!.GetValue<string>()));
        Assert.Equal(c.Status >= 500 ? "server_error" : "invalid_request_error", error["type"]!.GetValue<string>());

        // The server is unharmed: a good request still answers.
        var (okStatus, _) = await ServedProcess.PostAsync(fixture.Server.BaseUrl + "/chat/completions", "{" + Ask + "}");
        Assert.Equal(200, okStatus);
    }
}
