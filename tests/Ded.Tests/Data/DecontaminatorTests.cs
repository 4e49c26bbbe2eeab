using Ded.Data.Dedup;
using Ded.Tests.Support;
using Xunit;

namespace Ded.Tests.Data;

public class DecontaminatorTests
{
    private static readonly string[] Benchmarks = ["math500.jsonl", "aime24.jsonl", "aime25.jsonl"];

    private static readonly Lazy<IReadOnlyList<BenchmarkQuestion>> Questions = new(() =>
        BenchmarkSet.LoadAsync(Benchmarks.Select(SharedData.Require), null, default).GetAwaiter().GetResult());

    private static readonly Lazy<Decontaminator> Default = new(() => new Decontaminator(Questions.Value, new DecontaminationOptions()));

    public static TheoryData<string> Rewordings() => ["upper", "lower", "whitespace", "number", "all"];

    // Acceptance: every MATH-500 and AIME problem, reworded trivially, is flagged against its own row.
    [SkippableTheory]
    [MemberData(nameof(Rewordings))]
    public void EveryBenchmarkProblemRewordedTriviallyIsFlagged(string rewording)
    {
        var missed = new List<string>();
        foreach (var q in Questions.Value)
        {
            var text = Reword(q.Text, rewording);
            // Its own row, or (short problems equal up to digits, e.g. "What is the value of $513^2 - 487^2$?")
            // the first benchmark row with the same digit-free text.
            var digitFree = TextNormalizer.Normalize(q.Text, removeDigits: true);
            if (!Default.Value.Check(text).Any(m => m.Benchmark == q.Benchmark && m.RowId == q.RowId
                    || m.Rule == ContaminationMatch.DigitFreeExactRule && m.Evidence == digitFree))
                missed.Add($"{q.Benchmark} {q.RowId}");
        }
        Assert.True(missed.Count == 0, $"{missed.Count} not flagged, e.g. {string.Join("; ", missed.Take(5))}");
        Assert.Equal(560, Questions.Value.Count);
    }

    // Acceptance: unrelated problems (HumanEval prompts, another domain's questions) are not flagged.
    [SkippableFact]
    public async Task UnrelatedProblemsAreNotFlagged()
    {
        var humanEval = await BenchmarkSet.LoadAsync([SharedData.Require("humaneval.jsonl")], "prompt", default);
        var generated = Enumerable.Range(0, 200).Select(i =>
            $"Corwin stacks {i + 3} lanterns in the boathouse and paints every {i % 7 + 2}th one green. " +
            $"Work out how many lanterns stay unpainted after {i % 5 + 2} rounds of stacking.");
        var flagged = humanEval.Select(h => h.Text).Concat(generated)
            .SelectMany(t => Default.Value.Check(t)).ToList();
        Assert.True(flagged.Count == 0, $"flagged: {string.Join(" | ", flagged.Take(3))}");
        Assert.Equal(164, humanEval.Count);
    }

    [SkippableFact]
    public void MatchRecordsRuleBenchmarkRowAndEvidence()
    {
        var d = new Decontaminator([new("bench.jsonl", "b-1", "Let $x$ be the least positive integer such that $x^2$ ends in 44. Find x.")],
            new DecontaminationOptions());
        var matches = d.Check("Q: Let x be the least positive integer such that x^2 ends in 21? Find x please.");
        Assert.Equal([new ContaminationMatch("ngram", "bench.jsonl", "b-1", "let x be the least positive integer such")], matches);
        var digitFree = d.Check("LET $x$ BE THE LEAST POSITIVE INTEGER SUCH THAT $x^3$ ENDS IN 99. FIND X.");
        Assert.Equal("ngram", digitFree[0].Rule); // the n-gram rule fires first, one match per benchmark row
        Assert.Single(digitFree);
    }

    [SkippableFact]
    public void DigitFreeExactCatchesShortProblemsThatHaveNoEightGram()
    {
        var d = new Decontaminator([new("b", "1", "Compute $\\dbinom{8}{4}$.")], new DecontaminationOptions { NgramSize = 8 });
        Assert.Equal([new ContaminationMatch("ngram", "b", "1", "compute dbinom 8 4")], d.Check("compute $\\dbinom{8}{4}$"));
        Assert.Equal([new ContaminationMatch("exact_without_digits", "b", "1", "compute dbinom")], d.Check("Compute $\\dbinom{10}{3}$."));
        Assert.Empty(new Decontaminator([new("b", "1", "Compute $\\dbinom{8}{4}$.")], new DecontaminationOptions { IsDigitFreeExactEnabled = false })
            .Check("Compute $\\dbinom{10}{3}$."));
        Assert.Empty(d.Check("Compute the product of the first few primes."));
    }

    [SkippableTheory]
    [InlineData(8, 0)]
    [InlineData(5, 1)]
    public void NgramSizeIsConfigurable(int n, int expectedMatches)
    {
        var d = new Decontaminator([new("b", "1", "alpha beta gamma delta epsilon zeta eta theta iota")],
            new DecontaminationOptions { NgramSize = n, IsDigitFreeExactEnabled = false });
        Assert.Equal(expectedMatches, d.Check("omega alpha beta gamma delta epsilon kappa lambda mu nu xi").Count);
    }

    [SkippableFact]
    public void BadOptionIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Decontaminator([], new DecontaminationOptions { NgramSize = 0 }));

    internal static string Reword(string text, string how) => how switch
    {
        "upper" => text.ToUpperInvariant(),
        "lower" => text.ToLowerInvariant(),
        "whitespace" => "  " + text.Replace(" ", "   ").Replace("\n", " \n\t") + "\n",
        "number" => ChangeOneNumber(text),
        _ => ChangeOneNumber(text).ToUpperInvariant().Replace(" ", "\t "),
    };

    // Bumps the last digit of the first number (a problem without digits is left as is).
    private static string ChangeOneNumber(string text)
    {
        var i = text.IndexOfAny("0123456789".ToCharArray());
        if (i < 0) return text;
        while (i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])) i++;
        return string.Concat(text.AsSpan(0, i), [(char)('0' + (text[i] - '0' + 1) % 10)], text.AsSpan(i + 1));
    }
}
