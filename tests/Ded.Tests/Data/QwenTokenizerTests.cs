using System.Text.Json;
using Ded.Data.Tokenizers;
using Ded.Tests.Support;
using Xunit;

namespace Ded.Tests.Data;

/// <summary>Ids equal Hugging Face's on the Qwen3 tokenizer (reference: TokenizerReference/README.md).</summary>
public class QwenTokenizerTests
{
    private static readonly Lazy<HfTokenizer> Qwen3 =
        new(() => HfTokenizer.Load(SharedData.Require("tokenizers/qwen3/tokenizer.json")));

    public static TheoryData<int, string> ReferenceRows()
    {
        var data = new TheoryData<int, string>();
        var lines = File.ReadAllLines(ReferencePath);
        for (var i = 0; i < lines.Length; i++)
            data.Add(i + 1, lines[i]);
        return data;
    }

    private static string ReferencePath =>
        Path.Combine(SharedData.RepoRoot, "tests", "Ded.Tests", "Data", "TokenizerReference", "qwen3_reference_ids.jsonl");

    [SkippableTheory]
    [MemberData(nameof(ReferenceRows))]
    public void IdsEqualHuggingFace(int line, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var text = doc.RootElement.GetProperty("text").GetString()!;
        var expected = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var actual = Qwen3.Value.Encode(text);
        Assert.True(expected.SequenceEqual(actual),
            $"line {line}: {JsonSerializer.Serialize(text)}\nexpected {string.Join(',', expected)}\nactual   {string.Join(',', actual)}");
        Assert.Equal(expected.Length, Qwen3.Value.Count(text));
        Assert.Equal(text.Normalize(System.Text.NormalizationForm.FormC), Qwen3.Value.Decode(actual)); // decoding gives the NFC text back
    }

    [SkippableTheory]
    [InlineData("<think>", 151667)]
    [InlineData("</think>", 151668)]
    [InlineData("<|im_start|>", 151644)]
    [InlineData("<|im_end|>", 151645)]
    [InlineData("<|endoftext|>", 151643)]
    public void SpecialTokensAreSingleIds(string token, int id)
    {
        Assert.Equal([id], Qwen3.Value.Encode(token));
        Assert.Equal([id], ((Ded.Data.ITokenizer)Qwen3.Value).EncodeToIds(token)); // what the spine's token units call
        Assert.Equal(id, Qwen3.Value.AddedTokens[token]);
    }

    [SkippableFact]
    public void MissingFileNamesThePath()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => HfTokenizer.Load("/nonexistent/tokenizer.json"));
        Assert.Contains("/nonexistent/tokenizer.json", ex.Message);
    }

    [SkippableFact]
    public void NonBpeModelIsRefusedNamingTheField()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ded-tok-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"model": {"type": "WordPiece", "vocab": {}}}""");
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(path));
            Assert.Equal($"{path}: model.type is 'WordPiece'; only byte-level BPE (Qwen, DeepSeek-R1-Distill-Qwen, Llama 3) is supported", ex.Message);
        }
        finally { File.Delete(path); }
    }
}

/// <summary>The runtime's NFC (ICU: InvariantGlobalization is off) against Python's unicodedata (Unicode 14) on hand-picked cases.</summary>
public class UnicodeNfcTests
{
    [SkippableTheory]
    [InlineData("e\u0301", "\u00e9")]                         // e + acute → é
    [InlineData("A\u030a\u0301", "\u01fa")]                   // A + ring + acute → Ǻ (two-step)
    [InlineData("q\u0307\u0323", "q\u0323\u0307")]            // no composite: marks reordered by class (dot below 220 < dot above 230)
    [InlineData("\u1100\u1161\u11a8", "\uac01")]              // Hangul L V T → 각
    [InlineData("\u0958", "\u0915\u093c")]                    // composition exclusion stays decomposed
    [InlineData("\u212b", "\u00c5")]                          // Angstrom sign (singleton) → Å
    [InlineData("plain ASCII", "plain ASCII")]
    [InlineData("\U0001D53D\u0301", "\U0001D53D\u0301")]      // supplementary base, no composite
    public void MatchesPythonUnicodedata(string input, string expected) => Assert.Equal(expected, input.Normalize(System.Text.NormalizationForm.FormC));
}
