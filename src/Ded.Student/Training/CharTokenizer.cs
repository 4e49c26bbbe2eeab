using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ded.Student.Training;

/// <summary>Character-level tokenizer with a fixed alphabet: PAD, BOS, EOS, then one id per character. A fixed
/// vocabulary keeps every checkpoint compatible with every corpus, and 99 ids cost almost nothing in the embedding.
/// Characters outside the alphabet encode as <see cref="Unknown"/> ('?'): the lab's text is ASCII, so it never happens
/// there; <see cref="CountUnknown"/> lets callers check.</summary>
public sealed class CharTokenizer
{
    public const int Pad = 0, Bos = 1, Eos = 2;
    private const int FirstChar = 3;
    public const char Unknown = '?';

    /// <summary>'\n' plus the 95 printable ASCII characters.</summary>
    public static string LabAlphabet { get; } = "\n" + new string(Enumerable.Range(32, 95).Select(c => (char)c).ToArray());
    public const int LabVocabSize = FirstChar + 96;

    private readonly int[] idOfChar = new int[128];

    public CharTokenizer(string alphabet)
    {
        if (alphabet.Any(c => c >= 128) || alphabet.Distinct().Count() != alphabet.Length || !alphabet.Contains(Unknown))
            throw new ArgumentException("tokenizer alphabet must be distinct ASCII characters including '?'");
        Alphabet = alphabet;
        Array.Fill(idOfChar, -1);
        for (int i = 0; i < alphabet.Length; i++) idOfChar[alphabet[i]] = FirstChar + i;
    }

    public static CharTokenizer Lab { get; } = new(LabAlphabet);

    public string Alphabet { get; }
    public int VocabSize => FirstChar + Alphabet.Length;

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        int unknown = idOfChar[Unknown];
        foreach (char c in text)
            ids.Add(c < 128 && idOfChar[c] >= 0 ? idOfChar[c] : unknown);
    }

    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        Encode(text, ids);
        return [.. ids];
    }

    public int CountUnknown(ReadOnlySpan<char> text)
    {
        int n = 0;
        foreach (char c in text) if (c >= 128 || idOfChar[c] < 0) n++;
        return n;
    }

    /// <summary>Text of the character ids; special tokens are dropped.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var sb = new System.Text.StringBuilder();
        foreach (int id in ids)
            if (id >= FirstChar && id < VocabSize) sb.Append(Alphabet[id - FirstChar]);
        return sb.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new TokenizerJson("char", Pad, Bos, Eos, Alphabet));

    /// <summary>Throws when the JSON is not a char tokenizer with this class's special ids.</summary>
    public static CharTokenizer FromJson(string json)
    {
        var t = JsonSerializer.Deserialize<TokenizerJson>(json) ?? throw new FormatException("tokenizer JSON is empty");
        if (t.Kind != "char" || t.Pad != Pad || t.Bos != Bos || t.Eos != Eos)
            throw new FormatException($"tokenizer JSON: expected kind 'char' with pad/bos/eos {Pad}/{Bos}/{Eos}, got '{t.Kind}' {t.Pad}/{t.Bos}/{t.Eos}");
        return new CharTokenizer(t.Alphabet);
    }

    private sealed record TokenizerJson(
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("pad")] int Pad,
        [property: JsonPropertyName("bos")] int Bos,
        [property: JsonPropertyName("eos")] int Eos,
        [property: JsonPropertyName("alphabet")] string Alphabet);
}
