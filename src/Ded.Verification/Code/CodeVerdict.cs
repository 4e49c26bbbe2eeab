namespace Ded.Verification.Code;

/// <summary>How a program fared against its tests; the JSON names are the snake_case forms (`wrong_answer`).</summary>
public enum CodeStatus
{
    Passed,
    WrongAnswer,
    RuntimeError,
    Timeout,
    MemoryLimit,
    OutputLimit,
    NoCode,
    SandboxError,
}

/// <summary>The verdict on one <see cref="CodeTask"/>: the first failing test decides <see cref="Status"/>.</summary>
public sealed record CodeVerdict
{
    public required string Id { get; init; }
    public required CodeStatus Status { get; init; }
    public int TestsPassed { get; init; }
    public int TestsTotal { get; init; }

    /// <summary>The last bytes of the failing test's stderr (or of the sandbox's own error).</summary>
    public string StderrTail { get; init; } = "";

    public bool IsPassed => Status == CodeStatus.Passed;

    /// <summary>`wrong_answer` for <see cref="CodeStatus.WrongAnswer"/>.</summary>
    public static string StatusName(CodeStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
