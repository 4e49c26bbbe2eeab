namespace Ded.Data.Dedup;

/// <summary>
/// Reusable buffers holding one text's normal form and its tokens, so the per-row loops allocate nothing once the
/// buffers have grown to the longest row. One per <see cref="Deduplicator"/> or <see cref="Decontaminator"/>; not thread-safe.
/// </summary>
internal sealed class TextScratch
{
    private char[] _chars = new char[1024];
    private int[] _starts = new int[513];
    private int[] _lengths = new int[513];
    private ulong[] _hashes = new ulong[513];
    private bool[] _hasLetter = new bool[513];

    public int Length { get; private set; }
    public int TokenCount { get; private set; }
    public ReadOnlySpan<char> Normal => _chars.AsSpan(0, Length);
    public ReadOnlySpan<ulong> TokenHashes => _hashes.AsSpan(0, TokenCount);
    /// <summary>Per token: whether it holds a letter (not only digits).</summary>
    public ReadOnlySpan<bool> TokenHasLetter => _hasLetter.AsSpan(0, TokenCount);

    /// <summary>Normalizes <paramref name="text"/> and splits it into hashed tokens.</summary>
    public void Load(ReadOnlySpan<char> text, bool removeDigits)
    {
        if (_chars.Length < text.Length) Grow(text.Length);
        Length = TextNormalizer.Normalize(text, _chars, removeDigits);
        TokenCount = TokenSpans.Tokenize(Normal, _starts, _lengths, _hashes, _hasLetter);
    }

    /// <summary>The normal-form text of tokens [<paramref name="first"/>, first + count) (evidence for a match).</summary>
    public string TokenText(int first, int count)
    {
        var last = first + count - 1;
        return new string(_chars, _starts[first], _starts[last] + _lengths[last] - _starts[first]);
    }

    private void Grow(int length)
    {
        var size = Math.Max(length, _chars.Length * 2);
        _chars = new char[size];
        var tokens = TokenSpans.MaxTokens(size);
        _starts = new int[tokens];
        _lengths = new int[tokens];
        _hashes = new ulong[tokens];
        _hasLetter = new bool[tokens];
    }
}
