using Ded.Runs;
using Xunit;

namespace Ded.Tests.Reports;

/// <summary>The response-length histograms' sample: the same seed gives the same metrics.json whatever order concurrent
/// rollouts stored their rows in.</summary>
public sealed class LengthSampleTests
{
    private static readonly (string Id, double Value)[] Rows =
        Enumerable.Range(0, 30_000).Select(i => ($"q{i / 8:D5}.careful.{i % 8}.9f2c41ab", (double)i)).ToArray();

    private static List<double> Sample(IEnumerable<(string Id, double Value)> rows, long seed, int capacity = 10_000)
    {
        var sample = new LengthSample(capacity, seed);
        foreach (var (id, value) in rows) sample.Add(id, value);
        Assert.Equal(rows.Count(), sample.Seen);
        return sample.Values();
    }

    [Fact]
    public void TheSampleDoesNotDependOnTheOrderRowsArrive()
    {
        var shuffled = Rows.ToArray();
        new Random(7).Shuffle(shuffled);
        var inOrder = Sample(Rows, seed: 1);
        Assert.Equal(10_000, inOrder.Count);
        Assert.Equal(inOrder, Sample(shuffled, seed: 1));
        Assert.Equal(inOrder, Sample(Rows.Reverse(), seed: 1));
        Assert.NotEqual(inOrder, Sample(Rows, seed: 2));
    }

    [Fact]
    public void EveryRowIsEquallyLikelyToBeKept()
    {
        var kept = Sample(Rows, seed: 3);
        // A third of the rows is kept; each third of the ids holds a third of the sample (sd ≈ 0.004 of it).
        foreach (int part in new[] { 0, 1, 2 })
        {
            double share = kept.Count(v => (int)v / 10_000 == part) / (double)kept.Count;
            Assert.InRange(share, 0.31, 0.355);
        }
        Assert.Equal(kept.Order(), kept);
    }

    [Fact]
    public void BelowCapacityEveryValueIsKeptSorted()
    {
        var few = new[] { ("a", 5.0), ("b", 2.0), ("c", 9.0), ("d", 2.0) };
        Assert.Equal([2.0, 2.0, 5.0, 9.0], Sample(few, seed: 1));
    }
}
