using System.Globalization;
using System.Text;

namespace Ded.Data.Tokenizers;

/// <summary>
/// Unicode Normalization Form C (UAX #15): decompose canonically, order combining marks, recompose. Hand-written
/// because the app runs with InvariantGlobalization, where <see cref="string.Normalize()"/> returns its input, and
/// Qwen's tokenizer.json normalizes with NFC before BPE (ids differ for decomposed accents otherwise).
/// </summary>
internal sealed class UnicodeNfc
{
    // Hangul syllable constants (Unicode §3.12).
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private readonly Dictionary<int, int[]> _decompositions = new();
    private readonly Dictionary<int, byte> _classes = new();
    private readonly Dictionary<long, int> _compositions = new();

    public UnicodeNfc()
    {
        foreach (var entry in UnicodeNfcData.Decompositions.Split(';'))
        {
            var (cp, rest) = SplitEntry(entry);
            _decompositions[cp] = rest.Split(' ').Select(Hex).ToArray();
        }
        foreach (var entry in UnicodeNfcData.CombiningClasses.Split(';'))
        {
            var (cp, rest) = SplitEntry(entry);
            _classes[cp] = byte.Parse(rest, CultureInfo.InvariantCulture);
        }
        var excluded = UnicodeNfcData.CompositionExclusions.Split(';').Select(Hex).ToHashSet();
        foreach (var (cp, parts) in _decompositions)
            if (parts.Length == 2 && !excluded.Contains(cp))
                _compositions[Key(parts[0], parts[1])] = cp;
    }

    /// <summary>The NFC form of <paramref name="text"/>; the same instance when nothing can change (all chars below U+0300).</summary>
    public string Normalize(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\u0300', '\uFFFF')) return text; // below U+0300 everything is NFC already
        var cps = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes()) Decompose(rune.Value, cps);
        Reorder(cps);
        Compose(cps);
        var result = new StringBuilder(text.Length);
        foreach (var cp in cps) result.Append(char.ConvertFromUtf32(cp));
        return result.ToString();
    }

    private void Decompose(int cp, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            var s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (_decompositions.TryGetValue(cp, out var parts))
            foreach (var p in parts) Decompose(p, output);
        else
            output.Add(cp);
    }

    // Canonical ordering: a stable sort of each run of non-starters by combining class.
    private void Reorder(List<int> cps)
    {
        for (var i = 1; i < cps.Count; i++)
        {
            var cc = Class(cps[i]);
            if (cc == 0) continue;
            for (var j = i; j > 0 && Class(cps[j - 1]) > cc; j--)
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
        }
    }

    // The canonical composition algorithm of UAX #15's reference code: a mark composes with the last starter unless blocked.
    private void Compose(List<int> cps)
    {
        if (cps.Count == 0) return;
        var starterPos = 0;
        var lastClass = Class(cps[0]) == 0 ? 0 : 256;
        var write = 1;
        for (var read = 1; read < cps.Count; read++)
        {
            var cp = cps[read];
            var cc = Class(cp);
            if ((lastClass < cc || lastClass == 0) && TryCompose(cps[starterPos], cp, out var composite))
            {
                cps[starterPos] = composite;
                continue;
            }
            if (cc == 0) starterPos = write;
            lastClass = cc;
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    private bool TryCompose(int starter, int mark, out int composite)
    {
        if (starter is >= LBase and < LBase + LCount && mark is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((starter - LBase) * VCount + mark - VBase) * TCount;
            return true;
        }
        if (starter is >= SBase and < SBase + SCount && (starter - SBase) % TCount == 0 && mark is > TBase and < TBase + TCount)
        {
            composite = starter + mark - TBase;
            return true;
        }
        return _compositions.TryGetValue(Key(starter, mark), out composite);
    }

    private byte Class(int cp) => _classes.GetValueOrDefault(cp);

    private static long Key(int a, int b) => ((long)a << 21) | (uint)b;

    private static (int Cp, string Value) SplitEntry(string entry)
    {
        var colon = entry.IndexOf(':');
        return (Hex(entry[..colon]), entry[(colon + 1)..]);
    }

    private static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
