using System.Text.Json;
using Ded.Verification.Math;
using Xunit;

namespace Ded.Tests.Verification.Math;

/// <summary>The `ded verify math` file format: ids echoed, results in input order, bad lines named.</summary>
public sealed class MathVerifyJsonlTests
{
    [Fact]
    public async Task Writes_one_result_per_line_in_order()
    {
        var input = string.Join('\n',
            """{"id": "a", "gold": "\\frac{1}{2}", "pred": "so \\boxed{0.5}"}""",
            """{"id": 7, "gold": "B", "pred": "The answer is (C).", "extraction": "choice"}""",
            """{"gold": "3", "pred": "nothing to see"}""",
            """{"id": "r", "gold": "0.3333", "pred": "$\\frac{1}{3}$", "float_rounding": 4}""");
        var output = new StringWriter();
        var count = await MathVerifyJsonl.ProcessAsync(new StringReader(input), output, "in.jsonl", MathVerifyOptions.Default, CancellationToken.None);
        Assert.Equal(4, count);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a", "7", "", "r"], lines.Select(l => l.GetProperty("id").ValueKind == JsonValueKind.Null ? "" : l.GetProperty("id").ToString()));
        Assert.Equal([true, false, false, true], lines.Select(l => l.GetProperty("equivalent").GetBoolean()));
        Assert.Equal(["ok", "ok", "no_answer", "ok"], lines.Select(l => l.GetProperty("status").GetString()));
        Assert.Equal("1/2", lines[0].GetProperty("gold_normalized").GetString());
    }

    // Math-Verify's own test tables name their settings per case (shared math_verify_cases.jsonl lines 255 and 187):
    // the same pair flips with them, so each must be read from the record, not taken from the defaults.
    [Theory]
    [InlineData("""{"gold": "$f(x)$", "pred": "$f(y)$", "strict": false}""", true)]
    [InlineData("""{"gold": "$f(x)$", "pred": "$f(y)$", "strict": true}""", false)]
    [InlineData("""{"gold": "$x \\in [-2,7]$", "pred": "$-2 \\le x \\le 7$", "extraction_config": ["LatexExtractionConfig(boxed_match_priority=0)"], "allow_set_relation_comp": true}""", true)]
    [InlineData("""{"gold": "$x \\in [-2,7]$", "pred": "$-2 \\le x \\le 7$", "extraction_config": ["LatexExtractionConfig(boxed_match_priority=0)"]}""", false)]
    [InlineData("""{"gold": "3", "pred": "$\\frac{6}{2}$", "extraction_config": ["ExprExtractionConfig()"]}""", false)]
    [InlineData("""{"gold": "3", "pred": "$\\frac{6}{2}$", "extraction_config": ["LatexExtractionConfig()", "ExprExtractionConfig()"]}""", true)]
    [InlineData("""{"gold": "5", "pred": "\\boxed{5}. So the final answer is 6", "extraction_config": ["LatexExtractionConfig(boxed_match_priority=0)"]}""", true)]
    [InlineData("""{"gold": "5", "pred": "\\boxed{5}. So the final answer is 6", "extraction_config": ["LatexExtractionConfig()"]}""", false)]
    public async Task A_records_own_settings_apply(string line, bool equivalent)
    {
        var output = new StringWriter();
        await MathVerifyJsonl.ProcessAsync(new StringReader(line), output, "in.jsonl", MathVerifyOptions.Default, CancellationToken.None);
        Assert.Equal(equivalent, JsonDocument.Parse(output.ToString()).RootElement.GetProperty("equivalent").GetBoolean());
    }

    [Theory]
    [InlineData("""{"gold": "1"}""", "in.jsonl:2: pred")]
    [InlineData("""{"gold": "1", "pred": "1", "extraction": "fancy"}""", "in.jsonl:2: extraction")]
    [InlineData("not json", "in.jsonl:2: not valid JSON")]
    [InlineData("""{"gold": "1", "pred": "1", "extraction_config": ["SympyConfig()"]}""", "in.jsonl:2: extraction_config: 'SympyConfig()'")]
    [InlineData("""{"gold": "1", "pred": "1", "extraction_config": []}""", "in.jsonl:2: extraction_config: expected a non-empty list")]
    [InlineData("""{"gold": "1", "pred": "1", "extraction": "latex", "extraction_config": ["ExprExtractionConfig()"]}""", "in.jsonl:2: extraction: give either")]
    [InlineData("""{"gold": "1", "pred": "1", "strict": "yes"}""", "in.jsonl:2: strict: expected true or false")]
    public async Task A_bad_line_names_file_line_and_field(string bad, string expected)
    {
        var input = """{"gold": "1", "pred": "1"}""" + "\n" + bad;
        var e = await Assert.ThrowsAsync<FormatException>(() =>
            MathVerifyJsonl.ProcessAsync(new StringReader(input), new StringWriter(), "in.jsonl", MathVerifyOptions.Default, CancellationToken.None));
        Assert.StartsWith(expected, e.Message);
    }

    [Theory]
    [InlineData(MathVerifyStatus.Ok, "ok")]
    [InlineData(MathVerifyStatus.NoAnswer, "no_answer")]
    [InlineData(MathVerifyStatus.GoldUnparsed, "gold_unparsed")]
    [InlineData(MathVerifyStatus.Timeout, "timeout")]
    [InlineData(MathVerifyStatus.TooLarge, "too_large")]
    public void Status_names_are_snake_case(MathVerifyStatus status, string name) =>
        Assert.Equal(name, MathVerifyJsonl.StatusName(status));
}
