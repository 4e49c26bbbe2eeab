using Xunit;

namespace Ded.Tests.Support;

/// <summary>
/// Tests that read process-wide figures (managed heap size, wall time under a budget) run in this collection: xunit
/// runs a collection that disables parallelization by itself, after the parallel ones, so no other test's memory or
/// CPU use is counted in theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAlone
{
    public const string Name = "measured alone";

    /// <summary>The largest managed heap seen, sampled every few milliseconds while <paramref name="work"/> runs, minus the heap before it.</summary>
    public static async Task<long> PeakHeapGrowthAsync(Func<Task> work)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true), peak = before;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(5);
            }
        });
        await work();
        stop.Cancel();
        await sampler;
        return Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false)) - before;
    }
}
