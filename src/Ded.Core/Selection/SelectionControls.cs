namespace Ded.Selection;

/// <summary>
/// The controls for farthest-P (DED §3), as pure functions over items in a fixed order (callers sort by trajectory id,
/// so "index order" is id order). Farthest-P itself is <see cref="FarthestPoint"/>.
/// </summary>
public static class SelectionControls
{
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
}
