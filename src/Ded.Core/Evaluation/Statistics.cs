namespace Ded.Evaluation;

/// <summary>One sampled answer to a question, already graded by a verifier.</summary>
/// <param name="Answer">The extracted final answer, normalised by the verifier so equal answers compare equal; null when
/// the response had none.</param>
/// <param name="IsCorrect">The verifier's verdict on <paramref name="Answer"/>.</param>
/// <param name="IsTruncated">The response hit the token limit.</param>
public readonly record struct GradedSample(string? Answer, bool IsCorrect, bool IsTruncated = false);

/// <summary>A score with its confidence interval: Low ≤ Mean ≤ High (up to resampling), N units (questions or seeds).</summary>
public sealed record Score(double Mean, double Low, double High, int N);

/// <summary>How a percentile bootstrap resamples.</summary>
public sealed record BootstrapOptions
{
    public int Resamples { get; init; } = 2000; // B; Efron and Tibshirani (1993) suggest ≥ 1000 for percentile intervals
    public int Seed { get; init; } = 0;          // recorded with the score so the interval is reproducible
    public double Confidence { get; init; } = 0.95;
}

/// <summary>
/// Evaluation statistics as pure functions. The question is the unit throughout: <c>questions[q][s]</c> is sample s
/// of question q, per-question values are averaged with equal weight, and intervals resample questions.
/// </summary>
public static class Statistics
{
    /// <summary>
    /// The unbiased pass@k estimator of Chen et al. (2021, "Evaluating Large Language Models Trained on Code", eq. 1):
    /// 1 − C(n−c, k)/C(n, k) for n samples of which c are correct, as the product 1 − ∏_{i=n−c+1..n} (1 − k/i), which
    /// never forms the binomials (they overflow doubles near n = 1000).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Unless 0 ≤ c ≤ n and 1 ≤ k ≤ n.</exception>
    public static double PassAtK(int n, int c, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(c, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (n - c < k) return 1.0; // every k-subset holds a correct sample
        double allWrong = 1.0;
        for (int i = n - c + 1; i <= n; i++) allWrong *= 1.0 - (double)k / i;
        return 1.0 - allWrong;
    }

    /// <summary>Per question: the fraction of its samples that are correct (pass@1 estimated from k samples).</summary>
    public static double[] PerQuestionAccuracy(IReadOnlyList<IReadOnlyList<GradedSample>> questions) =>
        PerQuestionRate(questions, s => s.IsCorrect);

    /// <summary>Per question: unbiased pass@k from its n samples.</summary>
    /// <exception cref="ArgumentException">A question has fewer than k samples.</exception>
    public static double[] PerQuestionPassAtK(IReadOnlyList<IReadOnlyList<GradedSample>> questions, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var values = new double[questions.Count];
        for (int q = 0; q < questions.Count; q++)
        {
            if (questions[q].Count < k)
                throw new ArgumentException($"question {q} has {questions[q].Count} samples; pass@{k} needs at least {k}.", nameof(questions));
            values[q] = PassAtK(questions[q].Count, questions[q].Count(s => s.IsCorrect), k);
        }
        return values;
    }

    /// <summary>Per question: 1 when the majority answer of its samples is correct, else 0 (see <see cref="MajorityVote"/>).</summary>
    public static double[] PerQuestionMajority(IReadOnlyList<IReadOnlyList<GradedSample>> questions) =>
        questions.Select(q => MajorityVote(q) is { IsCorrect: true } ? 1.0 : 0.0).ToArray();

    /// <summary>Per question: the fraction of its samples for which <paramref name="predicate"/> holds.</summary>
    /// <exception cref="ArgumentException">A question has no samples.</exception>
    public static double[] PerQuestionRate(IReadOnlyList<IReadOnlyList<GradedSample>> questions, Func<GradedSample, bool> predicate)
    {
        var rates = new double[questions.Count];
        for (int q = 0; q < questions.Count; q++)
        {
            if (questions[q].Count == 0)
                throw new ArgumentException($"question {q} has no samples; every question needs at least one.", nameof(questions));
            rates[q] = (double)questions[q].Count(predicate) / questions[q].Count;
        }
        return rates;
    }

    /// <summary>avg@k: the mean over questions of each question's pass rate over its k samples (DED's avg@16).</summary>
    public static double AvgAtK(IReadOnlyList<IReadOnlyList<GradedSample>> questions) => Mean(PerQuestionAccuracy(questions));

    /// <summary>maj@k: the fraction of questions whose majority answer over their k samples is correct.</summary>
    public static double MajAtK(IReadOnlyList<IReadOnlyList<GradedSample>> questions) => Mean(PerQuestionMajority(questions));

    /// <summary>pass@k: the mean over questions of the unbiased estimator.</summary>
    public static double PassAtK(IReadOnlyList<IReadOnlyList<GradedSample>> questions, int k) =>
        Mean(PerQuestionPassAtK(questions, k));

    /// <summary>The mean over questions of the fraction of samples cut off at the token limit.</summary>
    public static double TruncationRate(IReadOnlyList<IReadOnlyList<GradedSample>> questions) =>
        Mean(PerQuestionRate(questions, s => s.IsTruncated));

    /// <summary>The mean over questions of the fraction of samples with no extractable answer.</summary>
    public static double NoAnswerRate(IReadOnlyList<IReadOnlyList<GradedSample>> questions) =>
        Mean(PerQuestionRate(questions, s => s.Answer is null));

    /// <summary>
    /// The sample whose answer wins the vote: samples without an answer do not vote; the most frequent answer wins;
    /// a tie goes to the answer that appears first in sample order (deterministic, and independent of hashing).
    /// Null when no sample has an answer. Its <see cref="GradedSample.IsCorrect"/> is the vote's verdict.
    /// </summary>
    public static GradedSample? MajorityVote(IReadOnlyList<GradedSample> samples)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int top = 0;
        foreach (var sample in samples)
            if (sample.Answer is not null)
                top = Math.Max(top, counts[sample.Answer] = counts.GetValueOrDefault(sample.Answer) + 1);
        foreach (var sample in samples) // in sample order, so a tie goes to the earliest answer
            if (sample.Answer is not null && counts[sample.Answer] == top) return sample;
        return null;
    }

    /// <summary>
    /// Percentile bootstrap over questions (Efron and Tibshirani 1993, ch. 13): B resamples of the questions with
    /// replacement; Low and High are the (1−confidence)/2 and (1+confidence)/2 quantiles of the resampled means
    /// (linear interpolation between order statistics, Hyndman and Fan 1996 type 7). Mean is the plain sample mean.
    /// </summary>
    /// <exception cref="ArgumentException">No questions, or options out of range.</exception>
    public static Score Bootstrap(IReadOnlyList<double> perQuestion, BootstrapOptions? options = null)
    {
        options ??= new BootstrapOptions();
        Validate(options);
        if (perQuestion.Count == 0) throw new ArgumentException("no questions to bootstrap over.", nameof(perQuestion));
        var rng = new Random(options.Seed);
        int n = perQuestion.Count;
        var means = new double[options.Resamples];
        for (int b = 0; b < means.Length; b++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += perQuestion[rng.Next(n)];
            means[b] = sum / n;
        }
        return Interval(Mean(perQuestion), means, options.Confidence, n);
    }

    /// <summary>
    /// A ratio of sums, Σ numerators / Σ denominators, with a percentile bootstrap that resamples the (numerator,
    /// denominator) pairs together, e.g. the dataset Rank-Surprisal Ratio over responses. N is the number of pairs.
    /// </summary>
    /// <exception cref="ArgumentException">No pairs, lists of different lengths, or options out of range.</exception>
    public static Score BootstrapRatio(IReadOnlyList<double> numerators, IReadOnlyList<double> denominators, BootstrapOptions? options = null)
    {
        options ??= new BootstrapOptions();
        Validate(options);
        int n = numerators.Count;
        if (n == 0 || denominators.Count != n) throw new ArgumentException($"a ratio needs equal, non-empty lists (got {n} and {denominators.Count}).");
        static double Ratio(double top, double bottom) => top / Math.Max(bottom, 1e-12);
        var rng = new Random(options.Seed);
        var ratios = new double[options.Resamples];
        for (int b = 0; b < ratios.Length; b++)
        {
            double top = 0, bottom = 0;
            for (int i = 0; i < n; i++)
            {
                int j = rng.Next(n);
                top += numerators[j];
                bottom += denominators[j];
            }
            ratios[b] = Ratio(top, bottom);
        }
        return Interval(Ratio(numerators.Sum(), denominators.Sum()), ratios, options.Confidence, n);
    }

    /// <summary>
    /// Across seeds and questions: each resample draws the seeds with replacement and, independently, the questions
    /// with replacement (one draw shared by all seeds, since every seed is evaluated on the same questions), and takes
    /// the mean of <c>perSeedPerQuestion[s][q]</c> over the drawn pairs. The interval so holds both the training-seed
    /// spread and the question sampling. N is the number of seeds.
    /// </summary>
    /// <param name="strata">The stratum of each question when the set was drawn a fixed number per stratum (the lab draws
    /// its families in turn): questions are then redrawn within their stratum, as the design drew them, so the interval
    /// leaves out the spread between strata that no other draw of the set could have had (the stratified bootstrap of
    /// Davison and Hinkley 1997, "Bootstrap Methods and their Application": each stratum resampled on its own). Null:
    /// one stratum.</param>
    /// <exception cref="ArgumentException">No seeds, seeds scored on different numbers of questions, or strata of another length.</exception>
    public static Score BootstrapOverSeedsAndQuestions(IReadOnlyList<IReadOnlyList<double>> perSeedPerQuestion,
        BootstrapOptions? options = null, IReadOnlyList<int>? strata = null)
    {
        options ??= new BootstrapOptions();
        Validate(options);
        int seeds = perSeedPerQuestion.Count;
        if (seeds == 0) throw new ArgumentException("no seeds to bootstrap over.", nameof(perSeedPerQuestion));
        int n = perSeedPerQuestion[0].Count;
        if (n == 0 || perSeedPerQuestion.Any(s => s.Count != n))
            throw new ArgumentException("every seed must be scored on the same, non-empty list of questions.", nameof(perSeedPerQuestion));
        if (strata is not null && strata.Count != n)
            throw new ArgumentException($"{strata.Count} strata for {n} questions: give one per question.", nameof(strata));
        int[][] groups = strata is null
            ? [Enumerable.Range(0, n).ToArray()]
            : Enumerable.Range(0, n).GroupBy(q => strata[q]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        var rng = new Random(options.Seed);
        var seedDraw = new int[seeds];
        var means = new double[options.Resamples];
        for (int b = 0; b < means.Length; b++)
        {
            for (int s = 0; s < seeds; s++) seedDraw[s] = rng.Next(seeds);
            double sum = 0;
            foreach (var group in groups)
                for (int i = 0; i < group.Length; i++)
                {
                    int q = group[rng.Next(group.Length)];
                    foreach (int s in seedDraw) sum += perSeedPerQuestion[s][q];
                }
            means[b] = sum / (n * seeds);
        }
        return Interval(perSeedPerQuestion.Average(Mean), means, options.Confidence, seeds);
    }

    /// <summary>
    /// Student's t-interval (95%) over per-seed scores: mean ± t(0.975, S−1)·sd/√S. With 3 seeds t = 4.30, so the
    /// interval is wide; that is the honest width for three training runs.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two seeds (use <see cref="Bootstrap"/> over questions).</exception>
    public static Score TIntervalOverSeeds(IReadOnlyList<double> perSeed)
    {
        if (perSeed.Count < 2)
            throw new ArgumentException($"a t-interval needs at least 2 seeds (got {perSeed.Count}); with one seed use Bootstrap over questions.", nameof(perSeed));
        double mean = Mean(perSeed);
        double variance = perSeed.Sum(x => (x - mean) * (x - mean)) / (perSeed.Count - 1);
        double half = TQuantile975(perSeed.Count - 1) * Math.Sqrt(variance / perSeed.Count);
        return new Score(mean, mean - half, mean + half, perSeed.Count);
    }

    /// <summary>
    /// Spearman's rank correlation: Pearson's r of the ranks, ties given their average rank. NaN when either side is
    /// constant (no ranking to correlate).
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length or have fewer than two items.</exception>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count < 2)
            throw new ArgumentException($"Spearman needs two lists of equal length ≥ 2 (got {x.Count} and {y.Count}).");
        return Pearson(AverageRanks(x), AverageRanks(y));
    }

    /// <summary>
    /// Spearman's rho between a signal of each item (a teacher) and the item's score, with a percentile bootstrap
    /// interval that resamples the items with replacement and, independently, the questions every item was scored on
    /// (<c>perItemPerQuestion[i][q]</c>), so the interval holds both how few items there are and how noisy their scores
    /// are. Resamples in which either side is constant (rho undefined) are left out; N is the number of items.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two items, lengths that differ, or items scored on different questions.</exception>
    public static Score SpearmanInterval(IReadOnlyList<double> signal, IReadOnlyList<IReadOnlyList<double>> perItemPerQuestion,
        BootstrapOptions? options = null)
    {
        options ??= new BootstrapOptions();
        Validate(options);
        int items = signal.Count, n = perItemPerQuestion.Count == 0 ? 0 : perItemPerQuestion[0].Count;
        if (items < 2 || perItemPerQuestion.Count != items || n == 0 || perItemPerQuestion.Any(s => s.Count != n))
            throw new ArgumentException($"SpearmanInterval needs ≥ 2 items, each scored on the same questions (got {items} signals, {perItemPerQuestion.Count} score lists).");
        double rho = Spearman(signal, perItemPerQuestion.Select(Mean).ToArray());
        var rng = new Random(options.Seed);
        var drawnSignal = new double[items];
        var drawnScore = new double[items];
        var questions = new int[n];
        var rhos = new List<double>(options.Resamples);
        for (int b = 0; b < options.Resamples; b++)
        {
            for (int q = 0; q < n; q++) questions[q] = rng.Next(n);
            for (int i = 0; i < items; i++)
            {
                int item = rng.Next(items);
                drawnSignal[i] = signal[item];
                double sum = 0;
                foreach (int q in questions) sum += perItemPerQuestion[item][q];
                drawnScore[i] = sum / n;
            }
            double r = Spearman(drawnSignal, drawnScore);
            if (!double.IsNaN(r)) rhos.Add(r);
        }
        return rhos.Count == 0 ? new Score(rho, double.NaN, double.NaN, items) : Interval(rho, [.. rhos], options.Confidence, items);
    }

    /// <summary>1-based ranks, ties sharing the average of the ranks they span.</summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        int[] order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++) ranks[order[i]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>The type-7 quantile (linear between order statistics) of ascending <paramref name="sorted"/>.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double probability)
    {
        double h = (sorted.Count - 1) * probability;
        int below = (int)Math.Floor(h);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
    }

    private static double Mean(IReadOnlyList<double> values) => values.Count == 0 ? 0 : values.Sum() / values.Count;

    private static double Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    private static Score Interval(double mean, double[] resampledMeans, double confidence, int n)
    {
        Array.Sort(resampledMeans);
        double tail = (1 - confidence) / 2;
        return new Score(mean, Quantile(resampledMeans, tail), Quantile(resampledMeans, 1 - tail), n);
    }

    private static void Validate(BootstrapOptions options)
    {
        if (options.Resamples < 1) throw new ArgumentException($"Resamples must be >= 1 (got {options.Resamples}).", nameof(options));
        if (options.Confidence is <= 0 or >= 1)
            throw new ArgumentException($"Confidence must be in (0, 1) (got {options.Confidence}).", nameof(options));
    }

    // Two-sided 95% critical values of Student's t, df = 1..30 (standard tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
    private static ReadOnlySpan<double> T975 =>
    [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
        2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
        2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];

    // Beyond df = 30, the Cornish-Fisher expansion around z = 1.95996 is within 1e-4 of the exact value.
    private static double TQuantile975(int df)
    {
        if (df <= T975.Length) return T975[df - 1];
        const double z = 1.959964;
        double z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }
}
