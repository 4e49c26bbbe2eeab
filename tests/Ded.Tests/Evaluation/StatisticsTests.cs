using Ded.Evaluation;
using Xunit;

namespace Ded.Tests.Evaluation;

public class StatisticsTests
{
    // Hand-computed: 1 - C(n-c, k) / C(n, k).
    [Theory]
    [InlineData(5, 2, 1, 0.4)]             // 1 - 3/5
    [InlineData(5, 2, 2, 0.7)]             // 1 - 3/10
    [InlineData(10, 0, 1, 0.0)]
    [InlineData(10, 0, 10, 0.0)]
    [InlineData(10, 10, 1, 1.0)]
    [InlineData(4, 1, 4, 1.0)]             // n - c < k: every subset holds the correct one
    [InlineData(10, 3, 5, 11.0 / 12)]      // 1 - 21/252
    [InlineData(1000, 1, 1, 0.001)]
    [InlineData(2000, 7, 100, 0.3020493803676443)] // exact rational, evaluated in Python; binomials overflow doubles
    public void PassAtK_MatchesTheBinomialFormula(int n, int c, int k, double expected) =>
        Assert.Equal(expected, Statistics.PassAtK(n, c, k), 12);

    [Theory]
    [InlineData(5, 6, 1)]
    [InlineData(5, -1, 1)]
    [InlineData(5, 2, 0)]
    [InlineData(5, 2, 6)]
    public void PassAtK_RejectsImpossibleCounts(int n, int c, int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Statistics.PassAtK(n, c, k));

    private static GradedSample S(string? answer, bool correct, bool truncated = false) => new(answer, correct, truncated);

    // q0: "4" wins 2-1 and is correct. q1: "7" and "8" tie 2-2; "7" appears first and is correct.
    // q2: no answers at all. q3: "2" wins 2-1 but is wrong.
    private static readonly IReadOnlyList<GradedSample>[] Questions =
    [
        [S("4", true), S("5", false), S("4", true), S(null, false, truncated: true)],
        [S("7", true), S("8", false), S("8", false), S("7", true)],
        [S(null, false, truncated: true), S(null, false)],
        [S("1", true), S("2", false), S("2", false)],
    ];

    [Fact]
    public void MajAtK_VotesPerQuestion_TiesToTheEarliestAnswer()
    {
        Assert.Equal([1.0, 1.0, 0.0, 0.0], Statistics.PerQuestionMajority(Questions));
        Assert.Equal(0.5, Statistics.MajAtK(Questions));
        Assert.Equal("7", Statistics.MajorityVote(Questions[1])!.Value.Answer);
        Assert.Null(Statistics.MajorityVote(Questions[2]));
    }

    [Fact]
    public void MajorityVote_TieIsDecidedByFirstAppearanceNotByWhichCountRoseFirst() =>
        // "b" reaches 2 before "a" does, but "a" appears first.
        Assert.Equal("a", Statistics.MajorityVote([S("a", true), S("b", false), S("b", false), S("a", true)])!.Value.Answer);

    [Fact]
    public void AvgAtK_AndRates_AverageOverQuestions()
    {
        Assert.Equal((0.5 + 0.5 + 0 + 1.0 / 3) / 4, Statistics.AvgAtK(Questions), 12);
        Assert.Equal((0.25 + 0 + 0.5 + 0) / 4, Statistics.TruncationRate(Questions), 12);
        Assert.Equal((0.25 + 0 + 1 + 0) / 4, Statistics.NoAnswerRate(Questions), 12);
        // pass@2 per question: q0 n=4,c=2 → 5/6; q1 same; q2 0; q3 n=3,c=1 → 2/3.
        Assert.Equal((5.0 / 6 + 5.0 / 6 + 0 + 2.0 / 3) / 4, Statistics.PassAtK(Questions, 2), 12);
    }

    [Fact]
    public void PassAtK_NeedsKSamplesPerQuestion() =>
        Assert.Equal("question 2 has 2 samples; pass@4 needs at least 4. (Parameter 'questions')",
            Assert.Throws<ArgumentException>(() => Statistics.PassAtK(Questions, 4)).Message);

    [Fact]
    public void AQuestionWithoutSamplesIsAnError() =>
        Assert.Contains("question 1 has no samples",
            Assert.Throws<ArgumentException>(() => Statistics.AvgAtK([[S("1", true)], []])).Message);

    [Fact]
    public void Bootstrap_IdenticalQuestionsGiveAZeroWidthInterval() =>
        // 0.75 sums exactly in binary, so every resampled mean is exactly 0.75.
        Assert.Equal(new Score(0.75, 0.75, 0.75, 10), Statistics.Bootstrap(Enumerable.Repeat(0.75, 10).ToArray()));

    [Fact]
    public void Bootstrap_MatchesTheExactEnumerationOfAllResamples()
    {
        // n = 4 scores {0,0,0,1}: all 4^4 resamples, enumerated. Their means are Binomial(4, 1/4)/4, so the 2.5% and
        // 97.5% quantiles are 0 and 0.75, both well inside an atom (cumulative .316 and .949 → .996), where 2000
        // seeded resamples cannot miss them.
        double[] scores = [0, 0, 0, 1];
        var exact = new List<double>();
        for (int code = 0; code < 256; code++)
            exact.Add(Enumerable.Range(0, 4).Sum(i => scores[(code >> (2 * i)) & 3]) / 4);
        exact.Sort();
        Assert.Equal((0.0, 0.75), (Statistics.Quantile(exact, 0.025), Statistics.Quantile(exact, 0.975)));

        Assert.Equal(new Score(0.25, 0.0, 0.75, 4), Statistics.Bootstrap(scores));
    }

    [Fact]
    public void Bootstrap_IsReproducibleFromItsSeed_AndHonoursResamples()
    {
        double[] scores = [0.1, 0.9, 0.4, 0.7, 0.3];
        var options = new BootstrapOptions { Seed = 42, Resamples = 500 };
        Assert.Equal(Statistics.Bootstrap(scores, options), Statistics.Bootstrap(scores, options));
        var one = Statistics.Bootstrap(scores, options with { Resamples = 1 });
        Assert.Equal(one.Low, one.High); // a single resample: both bounds are its mean
        Assert.Throws<ArgumentException>(() => Statistics.Bootstrap(scores, options with { Resamples = 0 }));
        Assert.Throws<ArgumentException>(() => Statistics.Bootstrap([], options));
    }

    [Fact]
    public void BootstrapOverSeedsAndQuestions_CollapsesWhenNothingVaries_AndWidensWithSeedSpread()
    {
        var flat = Enumerable.Repeat<IReadOnlyList<double>>([0.5, 0.5, 0.5], 3).ToArray();
        Assert.Equal(new Score(0.5, 0.5, 0.5, 3), Statistics.BootstrapOverSeedsAndQuestions(flat));

        // Questions identical within a seed, seeds at 0 and 1: the spread is the seed draw alone, so the interval is the
        // seed bootstrap's: means of 2 draws from {0,1} → {0, .5, 1} with 1/4, 1/2, 1/4 → [0, 1].
        IReadOnlyList<double>[] seeds = [[0, 0, 0], [1, 1, 1]];
        Assert.Equal(new Score(0.5, 0, 1, 2), Statistics.BootstrapOverSeedsAndQuestions(seeds));
        Assert.Throws<ArgumentException>(() => Statistics.BootstrapOverSeedsAndQuestions([[0.1, 0.2], [0.3]]));
    }

    [Fact]
    public void BootstrapOverSeedsAndQuestions_WithStrata_RedrawsWithinEach()
    {
        // Two families of four questions, one always right, one always wrong: drawn a fixed four per family, every
        // stratified resample holds four of each, so the mean cannot move; unstratified, the share of each family varies.
        IReadOnlyList<double>[] scores = [[1, 1, 1, 1, 0, 0, 0, 0]];
        int[] families = [0, 0, 0, 0, 1, 1, 1, 1];
        Assert.Equal(new Score(0.5, 0.5, 0.5, 1), Statistics.BootstrapOverSeedsAndQuestions(scores, strata: families));
        var plain = Statistics.BootstrapOverSeedsAndQuestions(scores);
        Assert.True(plain.Low < 0.3 && plain.High > 0.7, $"unstratified [{plain.Low}, {plain.High}]");

        // Within a stratum the spread stays: family 0 mixed, family 1 constant.
        IReadOnlyList<double>[] mixed = [[1, 0, 1, 0, 0, 0, 0, 0]];
        var within = Statistics.BootstrapOverSeedsAndQuestions(mixed, strata: families);
        Assert.True(within.Low < 0.25 && within.High > 0.25, $"stratified [{within.Low}, {within.High}]");
        Assert.True(within.Low >= 0 && within.High <= 0.5, "family 1 adds nothing, family 0 at most half the set");

        Assert.Throws<ArgumentException>(() => Statistics.BootstrapOverSeedsAndQuestions(scores, strata: [0, 1]));
    }

    [Fact]
    public void TInterval_UsesStudentsT()
    {
        // mean 2, sd 1, n 3: half-width t(.975, 2) / sqrt(3) = 4.3027 / 1.73205 = 2.48417.
        var score = Statistics.TIntervalOverSeeds([1, 2, 3]);
        Assert.Equal(2, score.Mean, 12);
        Assert.Equal(2 - 4.3027 / Math.Sqrt(3), score.Low, 12);
        Assert.Equal(2 + 4.3027 / Math.Sqrt(3), score.High, 12);
        Assert.Equal(3, score.N);
        Assert.Contains("at least 2 seeds", Assert.Throws<ArgumentException>(() => Statistics.TIntervalOverSeeds([0.4])).Message);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4, 5 }, new[] { 5.0, 6, 7, 8, 7 }, 0.8207826816681233)] // scipy.stats.spearmanr docs
    [InlineData(new[] { 1.0, 2, 3 }, new[] { 10.0, 20, 30 }, 1.0)]
    [InlineData(new[] { 1.0, 2, 3 }, new[] { 3.0, 2, 1 }, -1.0)]
    [InlineData(new[] { 1.0, 2, 3, 4 }, new[] { 1.0, 3, 2, 4 }, 0.8)]                  // 1 - 6·2 / (4·15)
    public void Spearman_KnownVectors(double[] x, double[] y, double expected) =>
        Assert.Equal(expected, Statistics.Spearman(x, y), 12);

    [Fact]
    public void Spearman_ConstantSideIsNaN_AndLengthsMustMatch()
    {
        Assert.True(double.IsNaN(Statistics.Spearman([1, 1, 1], [1, 2, 3])));
        Assert.Throws<ArgumentException>(() => Statistics.Spearman([1, 2], [1, 2, 3]));
    }

    [Fact]
    public void AverageRanks_ShareTies() =>
        Assert.Equal([1, 2.5, 2.5, 4, 5], Statistics.AverageRanks([10, 20, 20, 30, 40]));

    [Theory]
    [InlineData(0.5, 2.5)]
    [InlineData(0.25, 1.75)]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 4.0)]
    public void Quantile_IsType7(double probability, double expected) =>
        Assert.Equal(expected, Statistics.Quantile([1, 2, 3, 4], probability), 12);
}
