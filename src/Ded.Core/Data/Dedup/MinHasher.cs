using System.Numerics;

namespace Ded.Data.Dedup;

/// <summary>What a MinHash shingle is made of.</summary>
public enum ShingleKind
{
    /// <summary>Runs of consecutive normalized words.</summary>
    Word,
    /// <summary>Runs of consecutive characters of the normal form.</summary>
    Char,
}

/// <summary>MinHash-LSH settings. Defaults follow common dedup practice for short questions.</summary>
public sealed record MinHashOptions
{
    public ShingleKind Shingles { get; init; } = ShingleKind.Word;
    public int ShingleSize { get; init; } = 3;          // words; 5 is usual for Char shingles
    public int Permutations { get; init; } = 128;       // datasketch's default num_perm
    public double Threshold { get; init; } = 0.8;       // Jaccard above which two questions are near-duplicates
    public ulong Seed { get; init; } = 20250812;        // seeds the hash functions; recorded with the run

    internal void Validate()
    {
        if (ShingleSize < 1) throw new ArgumentOutOfRangeException(nameof(ShingleSize), ShingleSize, "must be >= 1");
        if (Permutations < 2) throw new ArgumentOutOfRangeException(nameof(Permutations), Permutations, "must be >= 2");
        if (Threshold is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "must be in (0, 1)");
    }
}

/// <summary>
/// MinHash signatures (Broder, 1997) with seeded permutations h_i(x) = a_i·x + b_i mod 2^64 (a_i odd, so each is a
/// bijection), and the LSH banding chosen from the threshold.
/// </summary>
internal sealed class MinHasher
{
    private readonly ulong[] _a;
    private readonly ulong[] _b;

    public MinHasher(MinHashOptions options)
    {
        options.Validate();
        Options = options;
        (Bands, Rows) = BandsFor(options.Threshold, options.Permutations);
        _a = new ulong[options.Permutations];
        _b = new ulong[options.Permutations];
        var state = options.Seed;
        for (var i = 0; i < _a.Length; i++)
        {
            _a[i] = Hashing64.Mix(state += 0x9E3779B97F4A7C15) | 1;
            _b[i] = Hashing64.Mix(state += 0x9E3779B97F4A7C15);
        }
    }

    public MinHashOptions Options { get; }
    public int Bands { get; }
    public int Rows { get; }

    /// <summary>Writes the shingle hashes of a loaded text into <paramref name="shingles"/>; returns their count.</summary>
    public int Shingle(TextScratch text, Span<ulong> shingles)
    {
        var k = Options.ShingleSize;
        if (Options.Shingles == ShingleKind.Char)
        {
            var normal = text.Normal;
            if (normal.Length <= k) { shingles[0] = Hashing64.Hash(normal); return 1; }
            for (var i = 0; i + k <= normal.Length; i++) shingles[i] = Hashing64.Hash(normal.Slice(i, k));
            return normal.Length - k + 1;
        }
        var tokens = text.TokenHashes;
        if (tokens.Length <= k) { shingles[0] = Hashing64.Combine(tokens); return 1; }
        for (var i = 0; i + k <= tokens.Length; i++) shingles[i] = Hashing64.Combine(tokens.Slice(i, k));
        return tokens.Length - k + 1;
    }

    /// <summary>The signature: for each permutation, the least permuted shingle hash. Vectorized over permutations.</summary>
    public void Signature(ReadOnlySpan<ulong> shingles, Span<ulong> signature)
    {
        signature.Fill(ulong.MaxValue);
        var width = Vector<ulong>.Count;
        foreach (var s in shingles)
        {
            var vs = new Vector<ulong>(s);
            var i = 0;
            for (; i + width <= signature.Length; i += width)
            {
                var permuted = new Vector<ulong>(_a, i) * vs + new Vector<ulong>(_b, i);
                Vector.Min(new Vector<ulong>(signature[i..]), permuted).CopyTo(signature[i..]);
            }
            for (; i < signature.Length; i++)
                signature[i] = Math.Min(signature[i], _a[i] * s + _b[i]);
        }
    }

    /// <summary>The LSH key of band <paramref name="band"/>: its rows hashed together with the band's index.</summary>
    public ulong BandKey(ReadOnlySpan<ulong> signature, int band) =>
        Hashing64.Mix(Hashing64.Combine(signature.Slice(band * Rows, Rows)) + (ulong)band);

    /// <summary>
    /// Bands b and rows r (b·r ≤ permutations) minimizing the equally weighted false-positive and false-negative
    /// areas of the S-curve 1-(1-s^r)^b around the threshold, as datasketch's MinHashLSH._optimal_param.
    /// </summary>
    public static (int Bands, int Rows) BandsFor(double threshold, int permutations)
    {
        var best = (Bands: 1, Rows: permutations);
        var bestError = double.MaxValue;
        for (var b = 1; b <= permutations; b++)
            for (var r = 1; b * r <= permutations; r++)
            {
                var error = 0.5 * Integrate(s => Candidate(s, b, r), 0, threshold)
                          + 0.5 * Integrate(s => 1 - Candidate(s, b, r), threshold, 1);
                if (error < bestError) (bestError, best) = (error, (b, r));
            }
        return best;
    }

    private static double Candidate(double s, int b, int r) => 1 - Math.Pow(1 - Math.Pow(s, r), b);

    private static double Integrate(Func<double, double> f, double from, double to)
    {
        const int steps = 200;
        var h = (to - from) / steps;
        var sum = 0.5 * (f(from) + f(to));
        for (var i = 1; i < steps; i++) sum += f(from + i * h);
        return sum * h;
    }
}
