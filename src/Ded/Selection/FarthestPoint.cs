namespace Ded.Selection;

/// <summary>
/// What <see cref="FarthestPoint.Select(IReadOnlyList{string}, int, int, CancellationToken)"/> chose and why: the
/// picked indices in pick order (it is itself that list), each pick's minimum distance to the texts picked before it,
/// and the full distance matrix for the lineage.
/// </summary>
public sealed record FarthestPointResult : IReadOnlyList<int>
{
    /// <summary>Indices into the input, in the order they were picked.</summary>
    public required IReadOnlyList<int> Indices { get; init; }

    /// <summary>
    /// For each pick, its minimum distance to the picks before it. The first two picks (the farthest pair) both carry
    /// the pair's distance; a lone text carries 0.
    /// </summary>
    public required IReadOnlyList<int> MinDistanceAtPick { get; init; }

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
    /// lexicographically lowest (i, j), i &lt; j, first i); then each next pick is the text whose minimum distance to
    /// the picks so far is largest (ties: lowest index). With p ≥ n every text is returned, still in greedy order;
    /// p = 1 returns the lower index of the farthest pair; p = 0 returns none. Deterministic for any
    /// <paramref name="maxDegreeOfParallelism"/> (each matrix cell is computed independently).
    /// </summary>
    /// <returns>The picks (enumerable as the list of indices) with their distances for the lineage.</returns>
    /// <exception cref="ArgumentOutOfRangeException">p is negative or maxDegreeOfParallelism is not positive.</exception>
    /// <exception cref="OperationCanceledException">ct was cancelled while distances were computed.</exception>
    public static FarthestPointResult Select(IReadOnlyList<string> texts, int p, int maxDegreeOfParallelism = 1,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Select(texts.Count, (i, j) => Levenshtein.Distance(texts[i], texts[j]), p, maxDegreeOfParallelism, ct);
    }

    /// <summary>
    /// As <see cref="Select(IReadOnlyList{string}, int, int, CancellationToken)"/>, with distances counted in tokens
    /// (the recipe's distance unit "tokens").
    /// </summary>
    public static FarthestPointResult Select(IReadOnlyList<int[]> tokenSequences, int p, int maxDegreeOfParallelism = 1,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenSequences);
        return Select(tokenSequences.Count, (i, j) => Levenshtein.Distance(tokenSequences[i], tokenSequences[j]), p,
            maxDegreeOfParallelism, ct);
    }

    /// <summary>The greedy pick on a given symmetric n×n distance matrix (row-major), the same contract as above.</summary>
    /// <exception cref="ArgumentException">The matrix is not n×n for some n.</exception>
    public static FarthestPointResult SelectFromDistances(IReadOnlyList<int> distances, int p)
    {
        ArgumentNullException.ThrowIfNull(distances);
        ArgumentOutOfRangeException.ThrowIfNegative(p);
        int n = (int)Math.Round(Math.Sqrt(distances.Count));
        if (n * n != distances.Count)
            throw new ArgumentException($"distances has {distances.Count} entries; expected n*n for n texts.", nameof(distances));
        var (indices, minAtPick) = Greedy(distances, n, Math.Min(p, n));
        return new FarthestPointResult { Indices = indices, MinDistanceAtPick = minAtPick, Distances = distances, InputCount = n };
    }

    private static FarthestPointResult Select(int n, Func<int, int, int> distance, int p, int maxDegreeOfParallelism,
        CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(p);
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

    private static (int[] Indices, int[] MinAtPick) Greedy(IReadOnlyList<int> d, int n, int p)
    {
        if (p == 0) return ([], []);
        if (n == 1) return ([0], [0]);
        var (first, second) = FarthestPair(d, n);
        var indices = new List<int> { first, second };
        var minAtPick = new List<int> { d[first * n + second], d[first * n + second] };
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
        return p == 1 ? ([first], [minAtPick[0]]) : (indices.ToArray(), minAtPick.ToArray());
    }

    private static (int First, int Second) FarthestPair(IReadOnlyList<int> d, int n)
    {
        (int First, int Second) best = (0, 1);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (d[i * n + j] > d[best.First * n + best.Second]) best = (i, j); // strict: ties keep the lowest pair
        return best;
    }
}
