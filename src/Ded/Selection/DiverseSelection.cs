namespace Ded.Selection;

/// <summary>One chosen item: its index, and its distance to the nearest item chosen before it (null for the first).</summary>
public readonly record struct Pick(int Index, int? MinDistance, string Reason);

/// <summary>
/// The selection rules as pure functions over texts in a fixed order (callers sort by trajectory id, so
/// "lowest index" breaks ties by id). Farthest-P is DED §3; random, longest and shortest are its controls.
/// </summary>
public static class DiverseSelection
{
    /// <summary>Indices of the P texts farthest apart by Levenshtein distance, in the order they were chosen.</summary>
    public static IReadOnlyList<int> Select(IReadOnlyList<string> texts, int p) =>
        Farthest(DistanceMatrix.Levenshtein(texts), p).Select(x => x.Index).ToList();

    /// <summary>
    /// Greedy farthest-point selection: start from the most distant pair (lowest indices on ties), then add the
    /// item whose distance to its nearest chosen item is largest (lowest index on ties). P = 1 takes the medoid.
    /// </summary>
    public static IReadOnlyList<Pick> Farthest(DistanceMatrix d, int p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        int n = d.Count;
        if (n <= p) return Enumerable.Range(0, n).Select(i => new Pick(i, null, $"farthest-P: all {n} kept (n <= P = {p})")).ToList();
        if (p == 1) return [Medoid(d)];
        var (a, b) = MostDistantPair(d);
        var picks = new List<Pick>(p)
        {
            new(a, null, $"farthest-P: most distant pair (distance {d[a, b]})"),
            new(b, d[a, b], $"farthest-P: most distant pair (distance {d[a, b]})"),
        };
        var nearest = new int[n]; // distance from each item to its nearest chosen item
        for (int i = 0; i < n; i++) nearest[i] = Math.Min(d[i, a], d[i, b]);
        var chosen = new bool[n];
        chosen[a] = chosen[b] = true;
        while (picks.Count < p)
        {
            int best = -1;
            for (int i = 0; i < n; i++)
                if (!chosen[i] && (best < 0 || nearest[i] > nearest[best])) best = i;
            picks.Add(new Pick(best, nearest[best], $"farthest-P: min distance {nearest[best]} to chosen"));
            chosen[best] = true;
            for (int i = 0; i < n; i++) nearest[i] = Math.Min(nearest[i], d[i, best]);
        }
        return picks;
    }

    /// <summary>P items in a seeded random order (the control for "is it the distance or just having P?").</summary>
    public static IReadOnlyList<int> Random(int count, int p, long seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked((int)(seed ^ (seed >> 32)))).Shuffle(order);
        return order.Take(p).ToList();
    }

    /// <summary>The P longest (or shortest) texts; equal lengths keep index order.</summary>
    public static IReadOnlyList<int> ByLength(IReadOnlyList<string> texts, int p, bool longest) =>
        Enumerable.Range(0, texts.Count)
            .OrderBy(i => longest ? -texts[i].Length : texts[i].Length).ThenBy(i => i)
            .Take(p).ToList();

    private static (int, int) MostDistantPair(DistanceMatrix d)
    {
        (int a, int b, int best) = (0, 1, -1);
        for (int i = 0; i < d.Count; i++)
            for (int j = i + 1; j < d.Count; j++)
                if (d[i, j] > best) (a, b, best) = (i, j, d[i, j]);
        return (a, b);
    }

    private static Pick Medoid(DistanceMatrix d)
    {
        (int best, long bestSum) = (0, long.MaxValue);
        for (int i = 0; i < d.Count; i++)
        {
            long sum = 0;
            for (int j = 0; j < d.Count; j++) sum += d[i, j];
            if (sum < bestSum) (best, bestSum) = (i, sum);
        }
        return new Pick(best, null, $"farthest-P: P = 1, the medoid (total distance {bestSum})");
    }
}

/// <summary>Symmetric pairwise distances, computed once per question (n(n-1)/2 Levenshtein calls).</summary>
public sealed class DistanceMatrix
{
    private readonly int[] _d;

    public DistanceMatrix(int count, Func<int, int, int> distance)
    {
        Count = count;
        _d = new int[count * count];
        for (int i = 0; i < count; i++)
            for (int j = i + 1; j < count; j++)
                _d[i * count + j] = _d[j * count + i] = distance(i, j);
    }

    public int Count { get; }
    public int this[int i, int j] => _d[i * Count + j];

    public static DistanceMatrix Levenshtein(IReadOnlyList<string> texts) =>
        new(texts.Count, (i, j) => Selection.Levenshtein.Distance(texts[i], texts[j]));
}
