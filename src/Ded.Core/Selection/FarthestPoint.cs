namespace Ded.Selection;

/// <summary>
/// What <see cref="FarthestPoint.Select(IReadOnlyList{string}, int)"/> chose and why: the picked indices in pick order
/// (it is itself that list), each pick's minimum distance to the texts picked before it, and the full distance matrix
/// for the lineage.
/// </summary>
public sealed record FarthestPointResult : IReadOnlyList<int>
{
    /// <summary>Indices into the input, in the order they were picked.</summary>
    public required IReadOnlyList<int> Indices { get; init; }

    /// <summary>
    /// For each pick, its minimum distance to the picks before it: null for the first pick (nothing before it), for
    /// the medoid when p = 1, and for every text when n ≤ p (all kept, no choice made).
    /// </summary>
    public required IReadOnlyList<int?> MinDistanceAtPick { get; init; }

    /// <summary>All pairwise distances, row-major n×n: <c>Distances[i * Count + j]</c> for input indices i, j.</summary>
    public required IReadOnlyList<int> Distances { get; init; }

    /// <summary>The number of input texts (the side of <see cref="Distances"/>).</summary>
    public required int InputCount { get; init; }

    /// <summary>The distance between input texts <paramref name="i"/> and <paramref name="j"/>.</summary>
    public int DistanceBetween(int i, int j) => Distances[i * InputCount + j];

    /// <inheritdoc/>
    public int this[int index] => Indices[index];

    /// <inheritdoc/>
    public int Count => Indices.Count;

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => Indices.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Farthest-point (greedy max-min) selection of P texts by Levenshtein distance: DED section 3, "keep the P that are
/// farthest apart" among a question's correct trajectories.
/// </summary>
public static class FarthestPoint
{
    /// <summary>
    /// Picks <paramref name="p"/> of <paramref name="texts"/> far apart by Levenshtein distance (UTF-16 code units).
    /// Contract: the pairwise matrix is computed once; the first two picks are the pair at maximum distance (ties: the
    /// lowest (i, j), i &lt; j, i first); each next pick is the text whose minimum distance to the picks so far is
    /// largest (ties: lowest index). n ≤ p returns every index in input order; p = 1 returns the medoid (least total
    /// distance to the others, ties: lowest index), the single most typical text. Deterministic.
    /// </summary>
    /// <returns>The picks (enumerable as the list of indices) with their distances for the lineage.</returns>
    /// <exception cref="ArgumentOutOfRangeException">p is less than 1.</exception>
    public static FarthestPointResult Select(IReadOnlyList<string> texts, int p) => Select(texts, p, 1, CancellationToken.None);

    /// <summary>
    /// As <see cref="Select(IReadOnlyList{string}, int)"/>, computing the matrix on up to
    /// <paramref name="maxDegreeOfParallelism"/> threads (the result does not depend on it: each cell is independent).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">p is less than 1 or maxDegreeOfParallelism is not positive.</exception>
    /// <exception cref="OperationCanceledException">ct was cancelled while distances were computed.</exception>
    public static FarthestPointResult Select(IReadOnlyList<string> texts, int p, int maxDegreeOfParallelism, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Select(texts.Count, (i, j) => Levenshtein.Distance(texts[i], texts[j]), p, maxDegreeOfParallelism, ct);
    }

    /// <summary>As <see cref="Select(IReadOnlyList{string}, int)"/>, counting distance in tokens (recipe unit "tokens").</summary>
    /// <exception cref="ArgumentOutOfRangeException">p is less than 1.</exception>
    public static FarthestPointResult Select(IReadOnlyList<int[]> tokenSequences, int p) =>
        Select(tokenSequences, p, 1, CancellationToken.None);

    /// <summary>As <see cref="Select(IReadOnlyList{string}, int, int, CancellationToken)"/>, counting distance in tokens.</summary>
    public static FarthestPointResult Select(IReadOnlyList<int[]> tokenSequences, int p, int maxDegreeOfParallelism,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tokenSequences);
        return Select(tokenSequences.Count, (i, j) => Levenshtein.Distance(tokenSequences[i], tokenSequences[j]), p,
            maxDegreeOfParallelism, ct);
    }

    /// <summary>All pairwise Levenshtein distances of <paramref name="texts"/>, row-major n×n (as in <see cref="FarthestPointResult.Distances"/>).</summary>
    public static int[] PairwiseDistances(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Matrix(texts.Count, (i, j) => Levenshtein.Distance(texts[i], texts[j]), 1, CancellationToken.None);
    }

    /// <summary>The pick on a given symmetric n×n distance matrix (row-major), with the same contract.</summary>
    /// <exception cref="ArgumentException">The matrix is not n×n for some n.</exception>
    /// <exception cref="ArgumentOutOfRangeException">p is less than 1.</exception>
    public static FarthestPointResult SelectFromDistances(IReadOnlyList<int> distances, int p)
    {
        ArgumentNullException.ThrowIfNull(distances);
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        int n = (int)Math.Round(Math.Sqrt(distances.Count));
        if (n * n != distances.Count)
            throw new ArgumentException($"distances has {distances.Count} entries; expected n*n for n texts.", nameof(distances));
        int[] indices;
        int?[] minAtPick;
        if (n <= p) (indices, minAtPick) = (Enumerable.Range(0, n).ToArray(), new int?[n]);
        else if (p == 1) (indices, minAtPick) = ([Medoid(distances, n)], [null]);
        else (indices, minAtPick) = Greedy(distances, n, p);
        return new FarthestPointResult { Indices = indices, MinDistanceAtPick = minAtPick, Distances = distances, InputCount = n };
    }

    private static FarthestPointResult Select(int n, Func<int, int, int> distance, int p, int maxDegreeOfParallelism,
        CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDegreeOfParallelism);
        return SelectFromDistances(Matrix(n, distance, maxDegreeOfParallelism, ct), p);
    }

    private static int[] Matrix(int n, Func<int, int, int> distance, int maxDegreeOfParallelism, CancellationToken ct)
    {
        var matrix = new int[n * n];
        var pairs = new List<(int I, int J)>(n * (n - 1) / 2);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) pairs.Add((i, j));
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = ct };
        Parallel.ForEach(pairs, options, pair =>
        {
            int d = distance(pair.I, pair.J);
            matrix[pair.I * n + pair.J] = d;
            matrix[pair.J * n + pair.I] = d;
        });
        return matrix;
    }

    // Requires 2 <= p < n.
    private static (int[] Indices, int?[] MinAtPick) Greedy(IReadOnlyList<int> d, int n, int p)
    {
        var (first, second) = FarthestPair(d, n);
        var indices = new List<int> { first, second };
        var minAtPick = new List<int?> { null, d[first * n + second] };
        // minToChosen[i]: distance from i to its nearest pick; int.MinValue marks a pick so it never wins again.
        var minToChosen = new int[n];
        for (int i = 0; i < n; i++) minToChosen[i] = Math.Min(d[i * n + first], d[i * n + second]);
        minToChosen[first] = minToChosen[second] = int.MinValue;
        while (indices.Count < p)
        {
            int best = 0;
            for (int i = 1; i < n; i++)
                if (minToChosen[i] > minToChosen[best]) best = i; // strict: ties keep the lowest index
            indices.Add(best);
            minAtPick.Add(minToChosen[best]);
            minToChosen[best] = int.MinValue;
            for (int i = 0; i < n; i++)
                if (minToChosen[i] != int.MinValue) minToChosen[i] = Math.Min(minToChosen[i], d[i * n + best]);
        }
        return (indices.ToArray(), minAtPick.ToArray());
    }

    private static (int First, int Second) FarthestPair(IReadOnlyList<int> d, int n)
    {
        (int First, int Second) best = (0, 1);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (d[i * n + j] > d[best.First * n + best.Second]) best = (i, j); // strict: ties keep the lowest pair
        return best;
    }

    private static int Medoid(IReadOnlyList<int> d, int n)
    {
        (int best, long bestSum) = (0, long.MaxValue);
        for (int i = 0; i < n; i++)
        {
            long sum = 0;
            for (int j = 0; j < n; j++) sum += d[i * n + j];
            if (sum < bestSum) (best, bestSum) = (i, sum); // strict: ties keep the lowest index
        }
        return best;
    }
}
