using Ded.Student.Training;
using Xunit;

namespace Ded.Tests.Student;

public class PackingTests
{
    private static readonly CharTokenizer Tok = CharTokenizer.Lab;
    private const long I = Packer.Ignore;
    private static int C(char c) => Tok.Encode(c.ToString())[0];

    [Fact]
    public void SftExampleTargetsOnlyResponseAndEos()
    {
        var e = TokenizedExample.ForSft(Tok, "ab", "c");
        Assert.Equal([CharTokenizer.Bos, C('a'), C('b'), C('c'), CharTokenizer.Eos], e.Tokens);
        Assert.Equal([false, false, false, true, true], e.IsTarget);
    }

    [Fact]
    public void PretrainingExampleTargetsEverythingAfterBos()
    {
        var e = TokenizedExample.ForPretraining(Tok, "ab");
        Assert.Equal([false, true, true, true], e.IsTarget);
    }

    [Fact]
    public void TwoExamplesShareARowAndTheBoundaryIsIgnored()
    {
        var e = TokenizedExample.ForSft(Tok, "ab", "c"); // 5 tokens; a 9-position row holds 10 tokens
        var rows = Packer.Pack([e, e, e], blockSize: 9, out int truncated);
        Assert.Equal(0, truncated);
        Assert.Equal(2, rows.Count);
        int B = CharTokenizer.Bos, E = CharTokenizer.Eos, a = C('a'), b = C('b'), c = C('c');
        Assert.Equal([B, a, b, c, E, B, a, b, c], rows[0].Inputs);
        Assert.Equal([I, I, c, E, I, I, I, c, E], rows[0].Targets);
        // the third example starts a fresh row, padded after its EOS with nothing to predict
        Assert.Equal([B, a, b, c, E, 0, 0, 0, 0], rows[1].Inputs);
        Assert.Equal([I, I, c, E, I, I, I, I, I], rows[1].Targets);
    }

    [Fact]
    public void LongExampleIsCutAtTheBlock()
    {
        var e = TokenizedExample.ForPretraining(Tok, "abcdefgh"); // 10 tokens
        var rows = Packer.Pack([e], blockSize: 4, out int truncated);
        Assert.Equal(1, truncated);
        Assert.Single(rows);
        Assert.Equal([CharTokenizer.Bos, C('a'), C('b'), C('c')], rows[0].Inputs);
        Assert.Equal([C('a'), C('b'), C('c'), C('d')], rows[0].Targets);
    }
}
