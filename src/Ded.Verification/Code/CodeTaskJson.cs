using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ded.Verification.Code;

/// <summary>Reads a task from one JSON line ({id, code, verification_info} | {id, code, input_output} |
/// {id, prompt, completion, test, entry_point}) and writes a verdict as one JSON line.</summary>
public static class CodeTaskJson
{
    /// <summary>Parses one line. Throws <see cref="FormatException"/> naming `where` (file:line) and the field.</summary>
    public static CodeTask Parse(string line, string where)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(line) as JsonObject ?? throw new FormatException($"{where}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{where}: not JSON ({e.Message})");
        }
        var id = o["id"]?.ToString() ?? o["task_id"]?.ToString() ?? throw new FormatException($"{where}: id is missing");
        if (o["entry_point"] is not null)
            return new CodeTask
            {
                Id = id, Response = Text(o, "completion", where),
                Tests = new HumanEvalTest(Text(o, "prompt", where), Text(o, "test", where), Text(o, "entry_point", where)),
            };
        var code = Text(o, "code", where);
        if (o["verification_info"] is { } vi)
            return new CodeTask { Id = id, Response = code, Tests = VerificationInfo(Unwrap(vi, where), where) };
        if (o["input_output"] is { } io)
            return new CodeTask { Id = id, Response = code, Tests = InputOutput(Unwrap(io, where), where) };
        throw new FormatException($"{where}: needs verification_info, input_output, or prompt/completion/test/entry_point");
    }

    /// <summary>{"id", "status", "passed", "tests_passed", "tests_total", "stderr_tail"}.</summary>
    public static string Format(CodeVerdict v) => new JsonObject
    {
        ["id"] = v.Id, ["status"] = CodeVerdict.StatusName(v.Status), ["passed"] = v.IsPassed,
        ["tests_passed"] = v.TestsPassed, ["tests_total"] = v.TestsTotal, ["stderr_tail"] = v.StderrTail,
    }.ToJsonString();

    // open-r1: {"language": "python", "test_cases": [{"input", "output", "type": "stdin_stdout"}]}
    private static StdioTests VerificationInfo(JsonObject vi, string where)
    {
        var language = vi["language"]?.ToString() ?? "python";
        if (language != "python")
            throw new FormatException($"{where}: verification_info.language must be python (got {language})");
        var cases = new List<StdioCase>();
        foreach (var c in vi["test_cases"] as JsonArray ?? throw new FormatException($"{where}: verification_info.test_cases is missing"))
        {
            var type = c?["type"]?.ToString() ?? "stdin_stdout";
            if (type != "stdin_stdout")
                throw new FormatException($"{where}: verification_info.test_cases.type must be stdin_stdout (got {type})");
            cases.Add(new StdioCase(Lines(c!["input"]), Lines(c["output"])));
        }
        return new StdioTests(cases);
    }

    // APPS/TACO: inputs are stdin strings (or lists of lines); with fn_name, argument lists. LiveCodeBench's
    // functional tests give both as text with one JSON value per line.
    private static CodeTests InputOutput(JsonObject io, string where)
    {
        var inputs = io["inputs"] as JsonArray ?? throw new FormatException($"{where}: input_output.inputs is missing");
        var outputs = io["outputs"] as JsonArray ?? throw new FormatException($"{where}: input_output.outputs is missing");
        if (inputs.Count != outputs.Count)
            throw new FormatException($"{where}: input_output has {inputs.Count} inputs but {outputs.Count} outputs");
        if (io["fn_name"]?.ToString() is not { Length: > 0 } fn)
            return new StdioTests(inputs.Zip(outputs, (i, e) => new StdioCase(Lines(i), Lines(e))).ToArray());
        var cases = new List<CallCase>();
        for (var k = 0; k < inputs.Count; k++)
            cases.Add(inputs[k] is JsonValue text && text.GetValueKind() == JsonValueKind.String
                ? new CallCase(new JsonArray(text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(a => JsonNode.Parse(a)).ToArray()), JsonNode.Parse(outputs[k]!.ToString()))
                : new CallCase(inputs[k] as JsonArray ?? throw new FormatException($"{where}: input_output.inputs[{k}] must be a list of arguments"),
                    outputs[k]?.DeepClone()));
        return new CallTests(fn, cases);
    }

    private static JsonObject Unwrap(JsonNode node, string where) => node switch
    {
        JsonObject o => o,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonNode.Parse(v.ToString()) as JsonObject
            ?? throw new FormatException($"{where}: expected a JSON object inside the string"),
        _ => throw new FormatException($"{where}: expected a JSON object"),
    };

    private static string Lines(JsonNode? node) => node switch
    {
        JsonArray lines => string.Join("\n", lines.Select(l => l?.ToString())),
        null => "",
        _ => node.ToString(),
    };

    private static string Text(JsonObject o, string field, string where) =>
        o[field]?.ToString() ?? throw new FormatException($"{where}: {field} is missing");
}
