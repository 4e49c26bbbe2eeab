using Ded.Data.Dedup;
using Xunit;

namespace Ded.Tests.Data;

public class TextNormalizerTests
{
    [Theory]
    // case and whitespace
    [InlineData("Find  the\tSUM\n of  x.", false, "find the sum of x")]
    // LaTeX spacing and sizing commands vanish; other commands keep their name as a word
    [InlineData("$\\frac{1}{2}\\,x\\quad\\left(y\\right)$", false, "frac 1 2 x y")]
    [InlineData("\\displaystyle\\sum_{k=1}^{n} k", false, "sum k 1 n k")]
    [InlineData("a\\!b\\;c\\:d\\ e", false, "a b c d e")]
    // punctuation and operators are separators
    [InlineData("x^2+3x-4=0, so x=1.", false, "x 2 3x 4 0 so x 1")]
    // digits removed (Light-R1 rule): a changed number leaves the same text
    [InlineData("Walk 9 km in 4 hours, 24 minutes.", true, "walk km in hours minutes")]
    [InlineData("Walk 8 km in 4 hours, 25 minutes.", true, "walk km in hours minutes")]
    [InlineData("x2 + 10y", true, "x y")]
    // letters beyond ASCII are kept; an unknown backslash sequence is a separator
    [InlineData("Écrire \\{ 中文 \\}", false, "écrire 中文")]
    [InlineData("", false, "")]
    [InlineData("  $ ,. $ ", false, "")]
    public void NormalForm(string text, bool removeDigits, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(text, removeDigits));
}
