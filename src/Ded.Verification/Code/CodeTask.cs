using System.Text.Json.Nodes;

namespace Ded.Verification.Code;

/// <summary>One program to verify. <see cref="Response"/> is either a model's answer (a fenced block is extracted,
/// see <see cref="ProgramExtractor"/>) or a bare program.</summary>
public sealed record CodeTask
{
    public required string Id { get; init; }
    public required string Response { get; init; }
    public required CodeTests Tests { get; init; }
}

/// <summary>The tests of a task, in one of the formats the field uses.</summary>
public abstract record CodeTests
{
    private protected CodeTests() { }

    public abstract int Count { get; }
}

/// <summary>stdin/stdout cases: open-r1 `verification_info`, and APPS/TACO/LiveCodeBench `input_output` without `fn_name`.</summary>
public sealed record StdioTests(IReadOnlyList<StdioCase> Cases) : CodeTests
{
    public override int Count => Cases.Count;
}

public sealed record StdioCase(string Input, string Output);

/// <summary>Call-based cases (`input_output` with `fn_name`): each input is the JSON array of arguments.</summary>
public sealed record CallTests(string FunctionName, IReadOnlyList<CallCase> Cases) : CodeTests
{
    public override int Count => Cases.Count;
}

public sealed record CallCase(JsonArray Arguments, JsonNode? Expected);

/// <summary>HumanEval: the program is `prompt + completion`, then `test`, then `check(entry_point)` runs.</summary>
public sealed record HumanEvalTest(string Prompt, string Test, string EntryPoint) : CodeTests
{
    public override int Count => 1;
}
