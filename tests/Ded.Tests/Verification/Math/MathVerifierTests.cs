using Ded.Verification.Math;
using Xunit;

namespace Ded.Tests.Verification.Math;

/// <summary>Behaviour tables: extraction order, structures, statuses.</summary>
public sealed class MathVerifierTests
{
    [Theory]
    [InlineData("3", "<think>the answer is 7</think> so \\boxed{3}", true)]
    [InlineData("3", "<|begin_of_thought|>maybe \\boxed{7}<|end_of_thought|><|begin_of_solution|>It is $\\boxed{3}$.<|end_of_solution|>", true)]
    [InlineData("3", "first \\boxed{7}. Checking again we find instead \\boxed{3}", true)]
    [InlineData("\\frac{1}{2}", "\\boxed{\\frac{2}{4}}", true)]
    [InlineData("2\\sqrt{3}", "$\\sqrt{12}$", true)]
    [InlineData("\\frac{x+1}{x^2-1}", "\\boxed{\\frac{1}{x-1}}", true)]
    [InlineData("(x+1)^2", "\\boxed{x^2+2x+1}", true)]
    [InlineData("(x+1)^2", "\\boxed{x^2+2x+2}", false)]
    [InlineData("\\sin^2 x + \\cos^2 x", "\\boxed{1}", true)]
    [InlineData("\\{1, 2\\}", "\\boxed{\\{2, 1\\}}", true)]
    [InlineData("(1, 2)", "\\boxed{(2, 1)}", false)]
    [InlineData("[1, 2)", "\\boxed{[1, 2]}", false)]
    [InlineData("x = 3", "\\boxed{3}", true)]
    [InlineData("3", "\\boxed{x = 3}", true)]
    [InlineData("50\\%", "\\boxed{50}", true)]
    [InlineData("1,000", "\\boxed{1000}", true)]
    [InlineData("3\\frac{1}{2}", "\\boxed{3.5}", true)]
    [InlineData("1.5 \\times 10^{3}", "\\boxed{1500}", true)]
    [InlineData("\\text{east}", "\\boxed{\\text{East}}", true)]
    [InlineData("\\frac{\\sqrt{3}}{2}", "$\\frac{1}{2}\\sqrt{3}$", true)]
    [InlineData("\\frac{\\sqrt{2}}{2}", "$\\frac{1}{\\sqrt{2}}$", true)]
    [InlineData("(-\\infty, 2)", "$(-\\infty,2)$", true)]
    [InlineData("\\{1,2,3\\}", "$3, 2, 1$", true)]
    [InlineData("30^\\circ", "$30$", true)]
    [InlineData("6 - 5i", "$-5i + 6$", true)]
    [InlineData("-1", "$i^2$", true)]
    [InlineData("3", "$\\log_2 8$", true)]
    [InlineData("10", "$\\binom{5}{2}$", true)]
    [InlineData("3628800", "$10!$", true)]
    [InlineData("42", "The answer is 42", true)]
    [InlineData("2", "$2.0000001$", true)]
    [InlineData("2", "$2.001$", false)]
    [InlineData("\\text{(A)}", "$\\boxed{A}$", true)]
    [InlineData("5", "$5 cm$", true)]
    [InlineData("12", "$12$ square feet", true)]
    [InlineData("-3", "$\\boxed{−3}$", true)]
    [InlineData("y = 2x + 3", "$\\boxed{2x+3}$", true)]
    [InlineData("x \\le 5", "$(-\\infty, 5]$", true)]
    [InlineData("2 < |x| < 5", "$(-5, -2) \\cup (2, 5)$", true)]
    [InlineData("2 < |x| < 5", "$(-5, -2] \\cup (2, 5)$", false)]
    [InlineData("C", "The answer is (C).", true)]
    [InlineData("C", "The answer is (B).", false)]
    // A repeated box is one answer, as Math-Verify 0.8.0 reads it (latex2sympy2_extended@040ae77 extract_boxed_content,
    // its issue #44); different boxes joined by and/or/commas are a list; prose parts them.
    [InlineData("6", "So the count is \\boxed{6}, which I check once more.\n\n**Final Answer**\n\\boxed{6}", true)]
    [InlineData("6", "\\boxed{6} is right. \\boxed{6}", true)]
    [InlineData("6", "\\boxed{6}, \\boxed{6}", true)]
    [InlineData("840", "SoHi YES.\n\n could answer therefore\\boxed{840}.,but let me put this after explain.\n\n**Final Answer**\n\\boxed{840}", true)]
    [InlineData("\\{1, 2\\}", "\\boxed{1} and \\boxed{2}", true)]
    [InlineData("\\{1, 2\\}", "\\boxed{1}, \\quad \\boxed{2}", true)]
    [InlineData("\\{2, 5\\}", "x = \\boxed{2} \\quad\\text{or}\\quad x = \\boxed{5}", true)]
    [InlineData("2", "first guess \\boxed{7}, but that fails the check, so the answer is \\boxed{2}", true)]
    [InlineData("\\{6, 7\\}", "\\boxed{6} then \\boxed{6} and \\boxed{7}", true)]
    // Math-Verify ranks the matches of one priority by where they end, last first, and tries the next when one does not
    // parse; its number pattern sees through math delimiters (a space or "=" before the number). So a span that is not
    // mathematics still yields the number in it, while a span that parses wins over the numbers inside it.
    [InlineData("1", "how many $? just about 1$", true)]
    [InlineData("12", "the total is $\\text{well } 12$", true)]
    [InlineData("3", "so $x^{?} = 3$ after all", true)]
    [InlineData("x^2 + 3", "thus $x^2 + 3$", true)]
    [InlineData("3", "thus $x^2 + 3$", false)]
    [InlineData("2", "$2^{3}$", false)]
    public void Verifies(string gold, string pred, bool expected)
    {
        var verdict = MathVerifier.Verify(gold, pred, MathVerifyOptions.Default);
        Assert.Equal(MathVerifyStatus.Ok, verdict.Status);
        Assert.Equal(expected, verdict.Equivalent);
    }

    // Math-Verify's boxed_match_priority (math_verify@5d148cf:src/math_verify/parser.py lazy_latex_regex): the box and
    // the "final answer ... is" phrase (priority 50) compete by priority, and at equal priority the later one wins.
    [Theory]
    [InlineData(0, "\\boxed{5}. So the final answer is 6", "5")]
    [InlineData(50, "\\boxed{5}. So the final answer is 6", "6")]
    [InlineData(50, "The final answer is 6.\nOn reflection, \\boxed{5}", "5")]
    [InlineData(55, "The final answer is 6.\nOn reflection, \\boxed{5}", "6")]
    [InlineData(0, "\\boxed{5}. The final answer is 6. I hope it is correct.", "6")]
    public void A_box_and_a_final_answer_phrase_compete_by_boxed_match_priority(int priority, string pred, string expected) =>
        Assert.Equal(expected, MathVerifier.Verify("1", pred, MathVerifyOptions.Default with { BoxedMatchPriority = priority }).PredNormalized);

    [Theory]
    [InlineData("3", "no numbers here at all", MathVerifyStatus.NoAnswer)]
    [InlineData("\\frac{", "\\boxed{3}", MathVerifyStatus.GoldUnparsed)]
    [InlineData("2", "\\boxed{2^{2^{2^{100}}}}", MathVerifyStatus.TooLarge)]
    [InlineData("2", "\\boxed{100000!}", MathVerifyStatus.TooLarge)]
    [InlineData("2", "\\boxed{10^{100000}}", MathVerifyStatus.TooLarge)]
    public void Reports_status(string gold, string pred, MathVerifyStatus status)
    {
        Assert.Equal(status, MathVerifier.Verify(gold, pred, MathVerifyOptions.Default).Status);
    }

    [Fact]
    public void Deep_nesting_and_huge_inputs_are_too_large_not_a_crash()
    {
        var deep = "\\boxed{" + new string('(', 5000) + "1" + new string(')', 5000) + "}";
        Assert.Equal(MathVerifyStatus.TooLarge, MathVerifier.Verify("1", deep, MathVerifyOptions.Default).Status);
        var huge = new string('x', 2_000_000);
        Assert.Equal(MathVerifyStatus.TooLarge, MathVerifier.Verify("1", huge, MathVerifyOptions.Default).Status);
    }

    [Theory]
    [InlineData("$$x")]
    [InlineData("\\[")]
    [InlineData("$")]
    [InlineData("\\boxed{")]
    [InlineData("final answer is ")]
    [InlineData("1,")]
    public void Megabyte_of_repeated_delimiters_finishes_fast(string unit)
    {
        // Guards against super-linear scans, not speed: the thread's own CPU time (~60 ms here) is what the work costs,
        // whatever else the machine runs; a quadratic scan of 900k characters takes minutes.
        var text = string.Concat(Enumerable.Repeat(unit, 900_000 / unit.Length));
        double start = Ded.Cli.Bench.VerifyMathBench.ThreadCpuMs();
        var verdict = MathVerifier.Verify("1", text, MathVerifyOptions.Default);
        double cpuMs = Ded.Cli.Bench.VerifyMathBench.ThreadCpuMs() - start;
        Assert.True(cpuMs < 2000, $"{unit}: {cpuMs:0} ms of CPU ({verdict.Status})");
    }

    [Fact]
    public void A_spent_budget_is_a_timeout()
    {
        var options = MathVerifyOptions.Default with { Timeout = TimeSpan.Zero };
        var pred = "\\boxed{" + string.Join("+", Enumerable.Range(0, 500).Select(i => $"x^{i % 50}")) + "}";
        Assert.Equal(MathVerifyStatus.Timeout, MathVerifier.Verify("x", pred, options).Status);
    }

    [Theory]
    [InlineData("The answer is A.", "A")]
    [InlineData("Final answer is B", "B")]
    [InlineData("No valid answer here", null)]
    [InlineData("A. Because B is not valid", "A")]
    [InlineData("Because B is valid", "B")]
    [InlineData("so the choice is $\\boxed{\\text{(D)}}$", "D")]
    public void Extracts_choice_letters(string text, string? letter)
    {
        Assert.Equal(letter, MathAnswerExtractor.ExtractChoice(text));
    }
}
