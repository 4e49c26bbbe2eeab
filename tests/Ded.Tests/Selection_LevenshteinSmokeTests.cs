using Ded.Selection;
using Xunit;

namespace Ded.Tests;

public class LevenshteinSmokeTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("flaw", "lawn", 2)]
    public void KnownDistances(string a, string b, int expected) => Assert.Equal(expected, Levenshtein.Distance(a, b));
}
