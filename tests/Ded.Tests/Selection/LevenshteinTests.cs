using Ded.Selection;
using Xunit;

namespace Ded.Tests.Selection;

public class LevenshteinTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("abc", "", 3)]
    [InlineData("", "", 0)]
    [InlineData("flaw", "lawn", 2)]
    [InlineData("same", "same", 0)]
    [InlineData("abc", "xyz", 3)]
    [InlineData("ab", "ba", 2)]
    // Code units, not graphemes: an astral character is two units, so replacing it costs 2.
    [InlineData("a\U0001F600b", "ab", 2)]
    [InlineData("straße", "strasse", 2)]
    public void KnownDistances(string a, string b, int expected) => Assert.Equal(expected, Levenshtein.Distance(a, b));

    [Theory]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 3 }, 1)]
    [InlineData(new[] { 151_000, -1, int.MaxValue }, new[] { -1, int.MinValue }, 2)]
    [InlineData(new int[0], new[] { 7, 7 }, 2)]
    public void KnownTokenDistances(int[] a, int[] b, int expected) => Assert.Equal(expected, Levenshtein.Distance(a, b));

    // Lengths on both sides of every word boundary the blocked algorithm has (64-bit words), up to ~3000.
    private static readonly int[] Lengths =
        [0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257, 511, 512, 513, 1000, 2047, 3000];

    // Small and large alphabets: binary, DNA, printable ASCII, non-ASCII letters with astral pairs, and any code unit.
    private static readonly string[] Alphabets =
    [
        "ab",
        "ACGT",
        string.Concat(Enumerable.Range(32, 95).Select(c => (char)c)),
        "αβγδεζηθλμπσω漢字かなäöüß\U0001F600\U0001F680 ",
        "",
    ];

    public static TheoryData<int, int> CharCases()
    {
        var data = new TheoryData<int, int>();
        for (int alphabet = 0; alphabet < Alphabets.Length; alphabet++)
            foreach (int length in Lengths) data.Add(alphabet, length);
        return data;
    }

    [Theory]
    [MemberData(nameof(CharCases))]
    public void BitParallelEqualsTable_OnText(int alphabet, int length)
    {
        var rng = new Random(alphabet * 100_003 + length);
        string a = RandomText(rng, Alphabets[alphabet], length);
        var others = new[]
        {
            RandomText(rng, Alphabets[alphabet], Lengths[rng.Next(Lengths.Length)]), // unrelated
            Mutate(rng, a, Alphabets[alphabet], edits: rng.Next(1 + length / 20)),  // near-copy
            Mutate(rng, a, Alphabets[alphabet], edits: rng.Next(1 + length / 2)),   // distant copy
        };
        foreach (string b in others)
        {
            int expected = LevenshteinReference.Distance(a, b);
            Assert.True(expected == Levenshtein.Distance(a, b), $"|a|={a.Length} |b|={b.Length}: want {expected}");
            Assert.Equal(expected, Levenshtein.Distance(b, a));
            // Every column loop, whichever Auto would pick on this machine.
            Assert.Equal(expected, Levenshtein.Distance(a, b, Levenshtein.Kernel.Scalar));
            Assert.Equal(expected, Levenshtein.Distance(a, b, Levenshtein.Kernel.Sparse));
        }
    }

    public static TheoryData<int> TokenLengths()
    {
        var data = new TheoryData<int>();
        foreach (int length in Lengths) data.Add(length);
        return data;
    }

    [Theory]
    [MemberData(nameof(TokenLengths))]
    public void BitParallelEqualsTable_OnTokens(int length)
    {
        var rng = new Random(7_919 + length);
        // Qwen3-sized vocabulary ids, some repeated often (a Zipf-like head) so masks hold several bits.
        int Token() => rng.Next(4) == 0 ? rng.Next(8) : rng.Next(151_936);
        int[] a = Enumerable.Range(0, length).Select(_ => Token()).ToArray();
        var b = a.ToList();
        for (int e = rng.Next(1 + length / 10); e > 0; e--)
        {
            int at = rng.Next(b.Count + 1);
            switch (rng.Next(3))
            {
                case 0: b.Insert(at, Token()); break;
                case 1 when at < b.Count: b.RemoveAt(at); break;
                default: if (at < b.Count) b[at] = Token(); break;
            }
        }
        int expected = LevenshteinReference.Distance(a, b.ToArray());
        Assert.Equal(expected, Levenshtein.Distance(a, b.ToArray()));
        Assert.Equal(expected, Levenshtein.Distance(b.ToArray(), a));
        Assert.Equal(expected, Levenshtein.Distance(a, b.ToArray(), Levenshtein.Kernel.Scalar));
        Assert.Equal(expected, Levenshtein.Distance(a, b.ToArray(), Levenshtein.Kernel.Sparse));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5000, 0)]
    [InlineData(5000, 70)]
    [InlineData(0, 200)]
    public void SharedPrefixAndSuffix_AreStrippedWithoutChangingTheDistance(int affixLength, int middleLength)
    {
        var rng = new Random(affixLength + middleLength);
        string prefix = RandomText(rng, "abcdef", affixLength), suffix = RandomText(rng, "abcdef", affixLength);
        string a = prefix + RandomText(rng, "abcdef", middleLength) + suffix;
        string b = prefix + RandomText(rng, "abcdef", middleLength + 3) + suffix;
        Assert.Equal(LevenshteinReference.Distance(a, b), Levenshtein.Distance(a, b));
    }

    [Fact]
    public void WordLikeTraces_ThousandsOfCharsApart_MatchTheTable()
    {
        // Trace-like text (shared vocabulary, long common stretches, many edits): 6,000 chars, every kernel.
        var rng = new Random(17);
        string[] words = ["so", "we", "get", "the", "sum", "is", "12", "+", "=", "wait,", "check", "x", "\\boxed{7}", "\n"];
        string a = string.Join(' ', Enumerable.Range(0, 2000).Select(_ => words[rng.Next(words.Length)]))[..6000];
        string b = Mutate(rng, a, "abcxyz 0123456789", edits: 900);
        int expected = LevenshteinReference.Distance(a, b);
        Assert.Equal(expected, Levenshtein.Distance(a, b));
        Assert.Equal(expected, Levenshtein.Distance(a, b, Levenshtein.Kernel.Scalar));
        Assert.Equal(expected, Levenshtein.Distance(a, b, Levenshtein.Kernel.Sparse));
    }

    [Fact]
    public void HugeAlphabet_SwitchesToSparseMasks_AndStaysExact()
    {
        // 24,000 chars over ~40,000 symbols: ~18,000 distinct x 375 words is past the 32 MB dense limit. Substituting
        // k chars by private-use chars absent from the text costs exactly k (each new char needs its own edit).
        var rng = new Random(5);
        var a = Enumerable.Range(0, 24_000).Select(_ => (char)rng.Next(0x0100, 0xA000)).ToArray();
        var b = (char[])a.Clone();
        for (int k = 0; k < 300; k++) b[40 + k * 79] = (char)(0xE000 + k);
        Assert.Equal(300, Levenshtein.Distance(a, b));
    }

    private static string RandomText(Random rng, string alphabet, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
            chars[i] = alphabet.Length == 0 ? (char)rng.Next(0x10000) : alphabet[rng.Next(alphabet.Length)];
        return new string(chars);
    }

    private static string Mutate(Random rng, string text, string alphabet, int edits)
    {
        var chars = text.ToList();
        for (int e = 0; e < edits; e++)
        {
            int at = rng.Next(chars.Count + 1);
            char c = RandomText(rng, alphabet, 1)[0];
            switch (rng.Next(3))
            {
                case 0: chars.Insert(at, c); break;
                case 1 when at < chars.Count: chars.RemoveAt(at); break;
                default: if (at < chars.Count) chars[at] = c; break;
            }
        }
        return new string(chars.ToArray());
    }
}
