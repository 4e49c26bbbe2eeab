namespace Ded.Data.Pools;

/// <summary>How the gold answer is read from the answer field.</summary>
public enum AnswerRule
{
    /// <summary>The field's value as is (numbers as their JSON text).</summary>
    Verbatim,
    /// <summary>The content of the last <c>\boxed{…}</c> in the field (NuminaMath solutions); null when there is none.</summary>
    LastBoxed,
    /// <summary>The last <c>\boxed{…}</c> when there is one, else the whole field trimmed (s1K's <c>solution</c>).</summary>
    LastBoxedOrVerbatim,
}

/// <summary>The shape of a pool's rows beyond question and answer.</summary>
public enum PoolShape
{
    /// <summary>Question and answer fields.</summary>
    Plain,
    /// <summary>A question plus one correct and several incorrect options, shuffled with a seed into A, B, C, …; the answer is the letter.</summary>
    MultipleChoice,
    /// <summary>A code problem with input/output tests in <see cref="PoolMapping.TestsField"/>.</summary>
    CodeTests,
}

/// <summary>Maps a pool's fields onto <see cref="PoolRow"/>. Presets in <see cref="PoolPresets"/>.</summary>
public sealed record PoolMapping
{
    public string QuestionField { get; init; } = "problem";
    public string? AnswerField { get; init; } = "answer";
    public string? IdField { get; init; }
    public IReadOnlyList<string> ExtraFields { get; init; } = [];
    public AnswerRule AnswerRule { get; init; } = AnswerRule.Verbatim;
    public PoolShape Shape { get; init; } = PoolShape.Plain;
    public string CorrectField { get; init; } = "Correct Answer";                     // GPQA's column names
    public IReadOnlyList<string> IncorrectFields { get; init; } =
        ["Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3"];
    public int ShuffleSeed { get; init; }                                            // recorded; same seed, same letters
    public string? TestsField { get; init; }                                         // verification_info, input_output, ...
}
