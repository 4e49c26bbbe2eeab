using Ded.Data.Dedup;
using Xunit;

namespace Ded.Tests.Data;

/// <summary>The per-row paths allocate nothing once their buffers are warm (STYLE §10); counted, not timed.</summary>
/// <remarks>This test found span.ContainsAnyExceptInRange allocating 96 B a call (replaced in TokenSpans).</remarks>
public class HotLoopAllocationTests
{
    private static readonly string[] Texts = Enumerable.Range(0, 50).Select(i =>
        $"Oswin carries {i * 7 + 3} lanterns to the quarry every evening, and Kesia trades {i + 11} pebbles for thimbles. " +
        $"A square courtyard has one side of length {i + 40} units. Report the largest value of $x$ below {1000 + i}.").ToArray();

    [Fact]
    public void DecontaminatorCheckOnCleanTextAllocatesNothingPerRow()
    {
        var d = new Decontaminator([new("b", "1", "An entirely different benchmark question about primes and divisors of 360.")], new());
        for (var round = 0; round < 3; round++)
            foreach (var t in Texts) d.Check(t); // warm the scratch buffers and let the JIT settle
        var flagged = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var t in Texts) flagged += d.Check(t).Count;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, flagged);
        // Measured call by call it is 0 B; this loop as a whole has shown a one-off ~450 B from the runtime.
        // A per-row or per-token allocation would be tens of kilobytes over 50 rows.
        Assert.True(allocated < 1024, $"{allocated} B allocated over {Texts.Length} rows");
    }

    [Fact]
    public void DeduplicatorAdmitOfNewRowsAllocatesNothingWhenPresized()
    {
        var d = new Deduplicator(new DedupOptions { ExpectedRows = 1000 });
        d.Admit("warm", "warm up the scratch buffers with a question of some length " + Texts[0]);
        var ids = Texts.Select((_, i) => $"q{i}").ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Texts.Length; i++) d.Admit(ids[i], Texts[i]);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(51, d.KeptCount);
    }
}
