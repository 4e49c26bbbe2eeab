using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Ded.Data.Tokenizers;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> (byte-level BPE, as Qwen2/Qwen3 and DeepSeek-R1-Distill-Qwen) loaded into
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>, so that ids equal Hugging Face's.
/// </summary>
public sealed class HfTokenizer : ITokenizer
{
    private readonly BpeTokenizer _bpe;

    private HfTokenizer(BpeTokenizer bpe, IReadOnlyDictionary<string, int> addedTokens, string path)
    {
        _bpe = bpe;
        AddedTokens = addedTokens;
        SourcePath = path;
    }

    /// <summary>The file this tokenizer was loaded from.</summary>
    public string SourcePath { get; }

    /// <summary>Added tokens (special or not) by content, e.g. <c>&lt;|im_start|&gt;</c> → 151644.</summary>
    public IReadOnlyDictionary<string, int> AddedTokens { get; }

    /// <summary>Loads <paramref name="path"/> (a <c>tokenizer.json</c>).</summary>
    /// <exception cref="FileNotFoundException">The file is absent.</exception>
    /// <exception cref="InvalidDataException">The file is not a byte-level BPE tokenizer this loader supports; the message names the field.</exception>
    public static HfTokenizer Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: tokenizer file not found (pass a Hugging Face tokenizer.json)", path);
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream);
        var spec = HfTokenizerSpec.Read(doc.RootElement, path);
        var options = new BpeOptions(spec.Vocabulary)
        {
            Merges = spec.Merges,
            SpecialTokens = spec.AddedTokens,
            PreTokenizer = new RegexPreTokenizer(new Regex(spec.SplitPattern, RegexOptions.Compiled), spec.AddedTokens),
            Normalizer = spec.IsNfc ? new NfcNormalizer() : null,
            ByteLevel = true,
        };
        return new HfTokenizer(BpeTokenizer.Create(options), spec.AddedTokens, path);
    }

    /// <summary>Token ids of <paramref name="text"/>; added tokens written in the text map to their ids. No BOS/EOS is added (Qwen adds none).</summary>
    public IReadOnlyList<int> Encode(string text) => _bpe.EncodeToIds(text);

    /// <inheritdoc />
    public IReadOnlyList<int> EncodeToIds(string text) => Encode(text);

    /// <summary>Number of token ids <paramref name="text"/> encodes to, special tokens written in it included.</summary>
    public int Count(string text) => _bpe.CountTokens(text);

    /// <summary>The text of <paramref name="ids"/>, special tokens included.</summary>
    public string Decode(IEnumerable<int> ids) => _bpe.Decode(ids) ?? string.Empty;

    /// <summary>Hugging Face's NFC normalizer (Qwen's tokenizer.json: <c>"normalizer": {"type": "NFC"}</c>), by ICU.</summary>
    private sealed class NfcNormalizer : Normalizer
    {
        public override string Normalize(string original) => original.Normalize(System.Text.NormalizationForm.FormC);

        public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
    }
}
