using System.Text.Json;
using System.Text.Json.Nodes;
using Ded.Data.Pools;

namespace Ded.Verification.Code;

/// <summary>Turns a pool's code tests (stdin/stdout, or JSON arguments and result) into the sandbox's test form.</summary>
public static class PoolCodeTests
{
    /// <summary>Metadata keys under which a code question carries its tests (JSON) and its function name.</summary>
    public const string TestsKey = "tests", FunctionKey = "fn_name";

    public static CodeTests From(IReadOnlyList<CodeTest> tests, string? functionName)
    {
        ArgumentNullException.ThrowIfNull(tests);
        if (functionName is null) return new StdioTests(tests.Select(t => new StdioCase(t.Input, t.Output)).ToList());
        return new CallTests(functionName, tests.Select(t => new CallCase(
            JsonNode.Parse(t.Input) is JsonArray args ? args : new JsonArray(JsonNode.Parse(t.Input)),
            JsonNode.Parse(t.Output))).ToList());
    }

    /// <summary>The tests as the metadata JSON a <see cref="Data.Question"/> carries (<see cref="TestsKey"/>).</summary>
    public static string ToJson(IReadOnlyList<CodeTest> tests) =>
        JsonSerializer.Serialize(tests.Select(t => new Dictionary<string, string> { ["input"] = t.Input, ["output"] = t.Output }));

    /// <summary>Reads <see cref="ToJson"/>'s form back.</summary>
    public static IReadOnlyList<CodeTest> FromJson(string json) =>
        JsonSerializer.Deserialize<List<Dictionary<string, string>>>(json)!.Select(d => new CodeTest(d["input"], d["output"])).ToList();
}
