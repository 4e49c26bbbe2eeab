namespace Ded.Data.Dedup;

/// <summary>Dedup settings: exact (normalized hash) and near-duplicate (MinHash-LSH) removal.</summary>
public sealed record DedupOptions
{
    public bool IsExactEnabled { get; init; } = true;
    public bool IsNearEnabled { get; init; } = true;
    public MinHashOptions MinHash { get; init; } = new();
    // LSH alone also pairs questions far below the threshold (the S-curve's tail: ~0.6% of a million synthetic
    // questions, measured by `ded bench dedup`); a candidate is confirmed by its estimated Jaccard from 16-bit sketches.
    public bool IsCandidateVerified { get; init; } = true;
    public int ExpectedRows { get; init; } = 1024;    // pre-sizes the indexes; a pool of a million should say so
}

/// <summary>Why a question was dropped by dedup.</summary>
public enum DuplicateKind
{
    /// <summary>Kept: first of its kind.</summary>
    None,
    /// <summary>Same normal form (<see cref="TextNormalizer"/>) as a kept question.</summary>
    Exact,
    /// <summary>Shares a MinHash-LSH band with a kept question (estimated Jaccard near or above the threshold).</summary>
    Near,
}

/// <summary>The verdict on one question: kept, or dropped as a duplicate of the kept question <see cref="DuplicateOfId"/>.</summary>
public sealed record DedupVerdict(DuplicateKind Kind, string? DuplicateOfId, string? Reason)
{
    /// <summary>The verdict for a question that is kept.</summary>
    public static DedupVerdict Kept { get; } = new(DuplicateKind.None, null, null);

    public bool IsDuplicate => Kind != DuplicateKind.None;
}

/// <summary>
/// Streaming dedup: the first question of each group is kept, later ones are dropped naming the kept one. Holds the
/// index of kept questions (one exact hash and one key per LSH band each); not thread-safe.
/// </summary>
public sealed class Deduplicator
{
    private readonly DedupOptions _options;
    private readonly MinHasher _minHasher;
    private readonly TextScratch _text = new();
    private readonly Dictionary<ulong, int> _exact;
    private readonly Dictionary<ulong, int> _bands;
    private readonly List<string> _keptIds;
    private ulong[] _shingles = new ulong[512];
    private readonly ulong[] _signature;
    private readonly ulong[] _bandKeys;
    private ushort[] _sketches = [];   // low 16 bits of each kept row's signature, row-major (2 bytes × permutations per row)

    public Deduplicator(DedupOptions options)
    {
        _options = options;
        _minHasher = new MinHasher(options.MinHash);
        _exact = new Dictionary<ulong, int>(options.ExpectedRows);
        _bands = new Dictionary<ulong, int>(options.IsNearEnabled ? options.ExpectedRows * _minHasher.Bands : 0);
        _keptIds = new List<string>(options.ExpectedRows);
        _signature = new ulong[options.MinHash.Permutations];
        _bandKeys = new ulong[_minHasher.Bands];
        if (options.IsNearEnabled && options.IsCandidateVerified)
            _sketches = new ushort[options.ExpectedRows * options.MinHash.Permutations];
    }

    /// <summary>LSH bands and rows per band chosen from the threshold (recorded with the run).</summary>
    public (int Bands, int Rows) Banding => (_minHasher.Bands, _minHasher.Rows);

    /// <summary>Questions kept so far.</summary>
    public int KeptCount => _keptIds.Count;

    /// <summary>Judges <paramref name="text"/> against the questions kept so far; keeps it when it is new.</summary>
    public DedupVerdict Admit(string id, ReadOnlySpan<char> text)
    {
        _text.Load(text, removeDigits: false);
        var exactKey = Hashing64.Hash(_text.Normal);
        if (_options.IsExactEnabled && _exact.TryGetValue(exactKey, out var same))
            return new DedupVerdict(DuplicateKind.Exact, _keptIds[same], "exact: same normalized text");
        if (_options.IsNearEnabled && FindNear() is (>= 0 and var near, var band, var jaccard))
            return new DedupVerdict(DuplicateKind.Near, _keptIds[near], NearReason(band, jaccard));
        Keep(id, exactKey);
        return DedupVerdict.Kept;
    }

    private string NearReason(int band, double jaccard) =>
        $"minhash-lsh: band {band} of {_minHasher.Bands} ({_minHasher.Rows} rows) equal" + (_options.IsCandidateVerified
            ? $", estimated Jaccard {jaccard:F2} >= {_options.MinHash.Threshold}"
            : $", threshold {_options.MinHash.Threshold}");

    private (int Row, int Band, double Jaccard) FindNear()
    {
        var needed = Math.Max(_text.Length, _text.TokenCount) + 1;
        if (_shingles.Length < needed) _shingles = new ulong[Math.Max(needed, _shingles.Length * 2)];
        var count = _minHasher.Shingle(_text, _shingles);
        _minHasher.Signature(_shingles.AsSpan(0, count), _signature);
        for (var band = 0; band < _bandKeys.Length; band++)
        {
            _bandKeys[band] = _minHasher.BandKey(_signature, band);
            if (!_bands.TryGetValue(_bandKeys[band], out var row)) continue;
            if (!_options.IsCandidateVerified) return (row, band, double.NaN);
            var jaccard = EstimatedJaccard(row);
            if (jaccard >= _options.MinHash.Threshold) return (row, band, jaccard);
        }
        return (-1, -1, 0);
    }

    // Share of permutations whose minima agree (their low 16 bits: a chance agreement is 1 in 65,536).
    private double EstimatedJaccard(int row)
    {
        var kept = _sketches.AsSpan(row * _signature.Length, _signature.Length);
        var equal = 0;
        for (var i = 0; i < kept.Length; i++)
            if (kept[i] == (ushort)_signature[i]) equal++;
        return equal / (double)kept.Length;
    }

    private void Keep(string id, ulong exactKey)
    {
        var row = _keptIds.Count;
        _keptIds.Add(id);
        if (_options.IsExactEnabled) _exact.TryAdd(exactKey, row);
        if (!_options.IsNearEnabled) return;
        foreach (var key in _bandKeys) _bands.TryAdd(key, row);
        if (!_options.IsCandidateVerified) return;
        var perms = _signature.Length;
        if (_sketches.Length < (row + 1) * perms) Array.Resize(ref _sketches, Math.Max((row + 1) * perms, _sketches.Length * 2));
        for (var i = 0; i < perms; i++) _sketches[row * perms + i] = (ushort)_signature[i];
    }
}
