using Ded.Data.Dedup;

namespace Ded.Runs;

/// <summary>
/// A seeded uniform sample of at most <c>capacity</c> values, keyed by id, that does not depend on the order the values
/// arrive in: the store streams rows in the order concurrent rollouts finished, and the same seed must give the same
/// metrics.json. It keeps the values whose seeded hash of the id is smallest (a bottom-k sample: every id is equally
/// likely to hash low), and returns them sorted.
/// </summary>
internal sealed class LengthSample(int capacity, long seed)
{
    // Largest hash on top, so the one to drop is at hand.
    private readonly PriorityQueue<double, ulong> _kept = new(Comparer<ulong>.Create((a, b) => b.CompareTo(a)));

    public int Seen { get; private set; }

    public void Add(string id, double value)
    {
        Seen++;
        ulong hash = Hash(id, seed);
        if (_kept.Count < capacity) _kept.Enqueue(value, hash);
        else if (_kept.TryPeek(out _, out ulong largest) && hash < largest) _kept.EnqueueDequeue(value, hash);
    }

    public List<double> Values()
    {
        var values = _kept.UnorderedItems.Select(item => item.Element).ToList();
        values.Sort();
        return values;
    }

    // Seeded: the seed's own mix is folded into the id's hash, and mixed again so that nearby seeds differ everywhere.
    private static ulong Hash(string id, long seed) => Hashing64.Mix(Hashing64.Hash(id) ^ Hashing64.Mix((ulong)seed));
}
