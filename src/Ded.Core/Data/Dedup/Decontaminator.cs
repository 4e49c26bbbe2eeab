namespace Ded.Data.Dedup;

/// <summary>Decontamination settings.</summary>
public sealed record DecontaminationOptions
{
    public int NgramSize { get; init; } = 8;                  // words; s1 and open-r1 decontaminate with 8-grams
    public bool IsDigitFreeExactEnabled { get; init; } = true; // Light-R1: exact match once digits are removed
    public int MaxMatchesPerRow { get; init; } = 3;            // distinct benchmark rows recorded per flagged question

    internal void Validate()
    {
        if (NgramSize < 1) throw new ArgumentOutOfRangeException(nameof(NgramSize), NgramSize, "must be >= 1");
        if (MaxMatchesPerRow < 1) throw new ArgumentOutOfRangeException(nameof(MaxMatchesPerRow), MaxMatchesPerRow, "must be >= 1");
    }
}

/// <summary>One evaluation question that training questions must not overlap.</summary>
/// <param name="Benchmark">The benchmark file (or name) it comes from.</param>
/// <param name="RowId">Its id there (<c>unique_id</c>, <c>id</c>, or the line number).</param>
public sealed record BenchmarkQuestion(string Benchmark, string RowId, string Text);

/// <summary>Why a question is contaminated: the rule, the benchmark row, and the evidence (the shared n-gram, in normal form).</summary>
public sealed record ContaminationMatch(string Rule, string Benchmark, string RowId, string Evidence)
{
    public const string NgramRule = "ngram";
    public const string DigitFreeExactRule = "exact_without_digits";
}

/// <summary>
/// Flags questions that share an n-gram of normalized words with a benchmark question, or that equal one once digits
/// are removed. Benchmark n-grams are held as 64-bit hashes; a question shorter than n words is one n-gram of itself,
/// on both sides. An n-gram counts only when at least half its words hold a letter: runs of numbers (the digit lists
/// of HumanEval docstrings against MATH-500's "1 2 3 4 5 6 7 8") are not evidence of a shared problem.
/// Not thread-safe (one scratch buffer); build one per thread.
/// </summary>
public sealed class Decontaminator
{
    private readonly DecontaminationOptions _options;
    private readonly IReadOnlyList<BenchmarkQuestion> _benchmark;
    private readonly Dictionary<ulong, (int Row, int Token)> _ngrams = new();
    private readonly Dictionary<ulong, int> _digitFree = new();
    private readonly TextScratch _text = new();

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Decontaminator(IEnumerable<BenchmarkQuestion> benchmark, DecontaminationOptions options)
    {
        options.Validate();
        _options = options;
        _benchmark = benchmark.ToList();
        for (var row = 0; row < _benchmark.Count; row++) Index(row);
    }

    /// <summary>Distinct benchmark n-gram hashes held.</summary>
    public int NgramCount => _ngrams.Count;

    /// <summary>Benchmark questions indexed.</summary>
    public int BenchmarkCount => _benchmark.Count;

    /// <summary>The matches of <paramref name="text"/> (at most one per benchmark row); empty when clean. Allocates only when it matches.</summary>
    public IReadOnlyList<ContaminationMatch> Check(ReadOnlySpan<char> text)
    {
        List<ContaminationMatch>? matches = null;
        _text.Load(text, removeDigits: false);
        var n = Math.Min(_options.NgramSize, _text.TokenCount);
        for (var i = 0; n > 0 && i + n <= _text.TokenCount && (matches?.Count ?? 0) < _options.MaxMatchesPerRow; i++)
        {
            if (n < _options.NgramSize && _text.TokenCount != n) break;
            if (!IsWordy(i, n)) continue;
            if (_ngrams.TryGetValue(Hashing64.Combine(_text.TokenHashes.Slice(i, n)), out var at) && !HasRow(matches, at.Row))
                (matches ??= []).Add(new(ContaminationMatch.NgramRule, _benchmark[at.Row].Benchmark, _benchmark[at.Row].RowId, _text.TokenText(i, n)));
        }
        if (_options.IsDigitFreeExactEnabled && (matches?.Count ?? 0) < _options.MaxMatchesPerRow)
        {
            _text.Load(text, removeDigits: true);
            if (_text.Length > 0 && _digitFree.TryGetValue(Hashing64.Hash(_text.Normal), out var row) && !HasRow(matches, row))
                (matches ??= []).Add(new(ContaminationMatch.DigitFreeExactRule, _benchmark[row].Benchmark, _benchmark[row].RowId, _text.Normal.ToString()));
        }
        return matches ?? (IReadOnlyList<ContaminationMatch>)Array.Empty<ContaminationMatch>();
    }

    private bool HasRow(List<ContaminationMatch>? matches, int row)
    {
        if (matches is null) return false;
        foreach (var m in matches)
            if (m.RowId == _benchmark[row].RowId && m.Benchmark == _benchmark[row].Benchmark) return true;
        return false;
    }

    // A whole-text gram (shorter than n words) always counts; a full n-gram needs half its words to hold a letter.
    private bool IsWordy(int first, int n)
    {
        if (n < _options.NgramSize) return true;
        var letters = 0;
        foreach (var has in _text.TokenHasLetter.Slice(first, n))
            if (has) letters++;
        return 2 * letters >= n;
    }

    private void Index(int row)
    {
        _text.Load(_benchmark[row].Text, removeDigits: false);
        var n = Math.Min(_options.NgramSize, _text.TokenCount);
        for (var i = 0; n > 0 && i + n <= _text.TokenCount; i++)
            if (IsWordy(i, n))
                _ngrams.TryAdd(Hashing64.Combine(_text.TokenHashes.Slice(i, n)), (row, i));
        if (!_options.IsDigitFreeExactEnabled) return;
        _text.Load(_benchmark[row].Text, removeDigits: true);
        if (_text.Length > 0) _digitFree.TryAdd(Hashing64.Hash(_text.Normal), row);
    }
}
