namespace Ded.Data.Dedup;

/// <summary>
/// 64-bit hashes of normalized text, tokens and n-grams. Hand-written because the chosen dependencies have none that
/// hashes a char span without allocating; FNV-1a (public domain) mixed by SplitMix64's finalizer for avalanche.
/// </summary>
public static class Hashing64
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    /// <summary>FNV-1a over the UTF-16 code units, then mixed.</summary>
    public static ulong Hash(ReadOnlySpan<char> text)
    {
        var h = FnvOffset;
        foreach (var c in text)
            h = (h ^ c) * FnvPrime;
        return Mix(h);
    }

    /// <summary>Order-sensitive hash of a run of token hashes (an n-gram).</summary>
    public static ulong Combine(ReadOnlySpan<ulong> hashes)
    {
        var h = FnvOffset;
        foreach (var t in hashes)
            h = Mix(h ^ t) * FnvPrime;
        return Mix(h);
    }

    /// <summary>SplitMix64's finalizer (Steele et al., 2014): a bijection with full avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
