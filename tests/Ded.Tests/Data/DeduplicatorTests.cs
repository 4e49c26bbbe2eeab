using Ded.Data.Dedup;
using Xunit;

namespace Ded.Tests.Data;

public class DeduplicatorTests
{
    private const string Base =
        "Brigid carries 412 ribbons to the harbour every morning. A circular pond has one side of length 37 and a " +
        "perimeter of 1200 units. Each crate holds $5x + 3$ acorns, where $x$ is the day of the week. Determine the " +
        "remainder when the total count of ribbons is divided by 17.";

    [Fact]
    public void ExactDuplicateAfterNormalizationIsDroppedNamingTheKeptRow()
    {
        var d = new Deduplicator(new DedupOptions());
        Assert.Equal(DedupVerdict.Kept, d.Admit("a", Base));
        var verdict = d.Admit("b", Base.ToUpperInvariant().Replace(" ", "  \n").Replace("$x$", "$\\,x$"));
        Assert.Equal(new DedupVerdict(DuplicateKind.Exact, "a", "exact: same normalized text"), verdict);
        Assert.Equal(1, d.KeptCount);
    }

    [Fact]
    public void NearDuplicateIsDroppedAndUnrelatedKept()
    {
        var d = new Deduplicator(new DedupOptions());
        d.Admit("a", Base);
        var near = d.Admit("b", Base.Replace("412", "413"));
        Assert.Equal(DuplicateKind.Near, near.Kind);
        Assert.Equal("a", near.DuplicateOfId);
        Assert.StartsWith("minhash-lsh: band ", near.Reason);
        Assert.Equal(DedupVerdict.Kept, d.Admit("c",
            "Gideon writes the numbers 12, 400 and 5000 on a slate beside the quarry. Work out how many buttons Gideon holds after 9 rounds."));
        Assert.Equal(2, d.KeptCount);
    }

    [Fact]
    public void NearDisabledKeepsNearDuplicates()
    {
        var d = new Deduplicator(new DedupOptions { IsNearEnabled = false });
        d.Admit("a", Base);
        Assert.Equal(DedupVerdict.Kept, d.Admit("b", Base.Replace("412", "413")));
        Assert.Equal(DuplicateKind.Exact, d.Admit("c", Base).Kind);
    }

    [Theory]
    [InlineData(ShingleKind.Word, 3)]
    [InlineData(ShingleKind.Char, 5)]
    public void BothShingleKindsFindTheNearDuplicate(ShingleKind kind, int size)
    {
        var d = new Deduplicator(new DedupOptions { MinHash = new MinHashOptions { Shingles = kind, ShingleSize = size } });
        d.Admit("a", Base);
        Assert.Equal(DuplicateKind.Near, d.Admit("b", Base.Replace("ribbons to", "ribbon to")).Kind);
    }

    // The (b, r) chosen put the S-curve's steep part at the threshold: pairs 0.15 above are almost always
    // candidates, pairs 0.2 below almost never.
    [Theory]
    [InlineData(0.8, 128, 9, 13)]
    [InlineData(0.5, 128, 25, 5)]
    [InlineData(0.9, 256, 9, 28)]
    public void BandingFromThreshold(double threshold, int permutations, int bands, int rows)
    {
        var d = new Deduplicator(new DedupOptions { MinHash = new MinHashOptions { Threshold = threshold, Permutations = permutations } });
        Assert.Equal((bands, rows), d.Banding);
        static double Candidate(double s, int b, int r) => 1 - Math.Pow(1 - Math.Pow(s, r), b);
        Assert.True(Candidate(Math.Min(threshold + 0.15, 1), bands, rows) > 0.9);
        Assert.True(Candidate(threshold - 0.2, bands, rows) < 0.1);
    }

    [Fact]
    public void SameSeedSameVerdicts()
    {
        string[] texts = [Base, Base.Replace("412", "413"), Base.Replace("harbour", "market"), "unrelated words entirely here"];
        string Run(ulong seed)
        {
            var d = new Deduplicator(new DedupOptions { MinHash = new MinHashOptions { Seed = seed } });
            return string.Join(",", texts.Select((t, i) => d.Admit(i.ToString(), t).Kind));
        }
        Assert.Equal(Run(1), Run(1));
        Assert.Equal("None,Near,Near,None", Run(1));
    }
}
