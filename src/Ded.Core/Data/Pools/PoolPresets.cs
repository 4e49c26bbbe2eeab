namespace Ded.Data.Pools;

/// <summary>Field mappings for the pools the field uses (Hugging Face dataset column names).</summary>
public static class PoolPresets
{
    private static readonly Dictionary<string, PoolMapping> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        // simplescaling/s1K: `solution` is the reference solution; its last \boxed{} (or all of it) is the answer.
        ["s1k"] = new() { QuestionField = "question", AnswerField = "solution", AnswerRule = AnswerRule.LastBoxedOrVerbatim, ExtraFields = ["cot_type", "source_type"] },
        ["openr1-math"] = new() { QuestionField = "problem", AnswerField = "answer", IdField = "uuid", ExtraFields = ["source"] },
        ["limo"] = new() { QuestionField = "question", AnswerField = "answer" },
        // AI-MO/NuminaMath-CoT has no answer column: the answer is the last \boxed{} of `solution`.
        ["numinamath"] = new() { QuestionField = "problem", AnswerField = "solution", AnswerRule = AnswerRule.LastBoxed, ExtraFields = ["source"] },
        ["math500"] = new() { QuestionField = "problem", AnswerField = "answer", IdField = "unique_id", ExtraFields = ["subject", "level"] },
        ["aime"] = new() { QuestionField = "problem", AnswerField = "answer", IdField = "id" },
        // Idavidrein/gpqa (gpqa_diamond.csv columns).
        ["gpqa"] = new() { QuestionField = "Question", AnswerField = null, IdField = "Record ID", Shape = PoolShape.MultipleChoice },
        // open-r1/verifiable-coding-problems-python (codeforces): tests in `verification_info.test_cases`.
        ["codeforces"] = new() { QuestionField = "problem", AnswerField = null, IdField = "problem_id", Shape = PoolShape.CodeTests, TestsField = "verification_info" },
        // codeparrot/apps and BAAI/TACO: `input_output` = {"inputs": [...], "outputs": [...], "fn_name"?}.
        ["apps"] = new() { QuestionField = "question", AnswerField = null, IdField = "problem_id", Shape = PoolShape.CodeTests, TestsField = "input_output" },
        ["taco"] = new() { QuestionField = "question", AnswerField = null, Shape = PoolShape.CodeTests, TestsField = "input_output" },
        // livecodebench/code_generation_lite: `public_test_cases` = [{"input", "output", "testtype"}].
        ["livecodebench"] = new() { QuestionField = "question_content", AnswerField = null, IdField = "question_id", Shape = PoolShape.CodeTests, TestsField = "public_test_cases" },
    };

    /// <summary>Preset names, for help text and error messages.</summary>
    public static IReadOnlyCollection<string> Names => Presets.Keys;

    /// <summary>The mapping named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such preset; the message lists them.</exception>
    public static PoolMapping Get(string name) =>
        Presets.TryGetValue(name, out var mapping)
            ? mapping
            : throw new ArgumentException($"unknown pool preset '{name}'; known: {string.Join(", ", Presets.Keys)}", nameof(name));
}
