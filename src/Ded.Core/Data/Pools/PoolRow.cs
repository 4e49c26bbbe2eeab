namespace Ded.Data.Pools;

/// <summary>One question from a pool, mapped to Ded's fields; the lineage id is <see cref="Id"/>.</summary>
public sealed record PoolRow
{
    /// <summary>The row's id field, or <c>{file stem}-{row index}</c> when the pool has none.</summary>
    public required string Id { get; init; }
    public required string Question { get; init; }
    /// <summary>Gold answer (GPQA: the letter), or null where the pool has none (code: see <see cref="Tests"/>).</summary>
    public string? Answer { get; init; }
    /// <summary>Multiple-choice options in their A, B, C, D order after the seeded shuffle.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];
    /// <summary>Code problems: the input/output tests.</summary>
    public IReadOnlyList<CodeTest> Tests { get; init; } = [];
    /// <summary>Code problems called by function (APPS <c>fn_name</c>); null for stdin/stdout.</summary>
    public string? FunctionName { get; init; }
    /// <summary>The mapped extra fields, as raw JSON text.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
    /// <summary>Where it came from: <c>file:line</c> (JSONL), <c>file[index]</c> (JSON array), <c>file#group:row</c> (Parquet).</summary>
    public required string Source { get; init; }
}

/// <summary>One code test: stdin and expected stdout, or JSON arguments and result for function-call problems.</summary>
public sealed record CodeTest(string Input, string Output);
