using Ded.Student.Training;
using Xunit;

namespace Ded.Tests.Student;

public class TokenizerTests
{
    [Theory]
    [InlineData("Q: 12+7\nA: 19")]
    [InlineData(" ~!{}")]
    [InlineData("")]
    public void AsciiRoundTrips(string text) => Assert.Equal(text, CharTokenizer.Lab.Decode(CharTokenizer.Lab.Encode(text)));

    [Fact]
    public void NonAsciiBecomesQuestionMark()
    {
        Assert.Equal("caf? x?", CharTokenizer.Lab.Decode(CharTokenizer.Lab.Encode("café x\t")));
        Assert.Equal(2, CharTokenizer.Lab.CountUnknown("café x\t"));
    }

    [Fact]
    public void JsonRoundTripKeepsIds()
    {
        var copy = CharTokenizer.FromJson(CharTokenizer.Lab.ToJson());
        Assert.Equal(CharTokenizer.Lab.VocabSize, copy.VocabSize);
        Assert.Equal(CharTokenizer.Lab.Encode("A: 42\n"), copy.Encode("A: 42\n"));
        Assert.Equal(99, CharTokenizer.Lab.VocabSize);
    }

    [Fact]
    public void SpecialsDecodeToNothing() =>
        Assert.Equal("a", CharTokenizer.Lab.Decode([CharTokenizer.Bos, CharTokenizer.Lab.Encode("a")[0], CharTokenizer.Eos, CharTokenizer.Pad]));
}
