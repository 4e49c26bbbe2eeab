using System.Text.Json.Nodes;
using Ded.Verification.Code;
using Xunit;

namespace Ded.Tests.Verification.Code;

public sealed class OutputComparerTests
{
    public static TheoryData<string, string, string, bool> Stdout => new()
    {
        // id, actual, expected, matches
        { "identical", "1 2\n3\n", "1 2\n3\n", true },
        { "trailing newline and spaces", "1 2  \n3", "1 2\n3\n\n", true },
        { "crlf", "1\r\n2\r\n", "1\n2", true },
        { "inner spacing", "1    2", "1 2", true },
        { "leading blank lines", "\n\n5\n", "5", true },
        { "missing line (open-r1's zip would pass it)", "1", "1\n2", false },
        { "extra line", "1\n2\n3", "1\n2", false },
        { "different token", "1 3", "1 2", false },
        { "float within 1e-5 relative", "0.333333", "0.3333333333", true },
        { "float off", "0.33", "0.3333333", false },
        { "float written as integer", "2", "2.0000000", true },
        { "integers exact despite tolerance", "1000001", "1000000", false },
        // An expected integer is matched by value only: np.allclose would pass 1000009.5 (within rtol 1e-5).
        { "real for an expected integer, within the tolerance", "1000009.5", "1000000", false },
        { "real exactly equal to the expected integer", "1000000.0", "1000000", true },
        { "exponent form of the expected integer", "1e6", "1000000", true },
        { "integral real for an expected integer", "7.0", "7", true },
        { "integral exponent form", "7e0", "7", true },
        { "leading zeros and sign", "+007", "7", true },
        { "tiny real for an expected 0 (np.allclose passes it: atol 1e-8)", "1e-9", "0", false },
        { "integers beyond 2^53 differ by one", "9007199254740993", "9007199254740992", false },
        { "integers beyond 2^64 equal", "123456789012345678901234567890", "123456789012345678901234567890", true },
        { "real tolerance is relative to the expected", "100001", "100000.0", true },
        { "real off by more than the tolerance", "100002", "100000.0", false },
        { "words are not numbers", "nan", "NaN", false },
        { "a fraction is a word", "1/2", "0.5", false },
        { "joined tokens", "12", "1 2", false },
        { "words", "YES", "yes", false },
        { "empty both", "", "\n", true },
    };

    [Theory]
    [MemberData(nameof(Stdout))]
    public void ComparesStdoutAsTheHarnessesDo(string id, string actual, string expected, bool matches)
    {
        Assert.NotNull(id);
        Assert.Equal(matches, OutputComparer.StdoutMatches(actual, expected, 1e-5, 1e-8));
    }

    public static TheoryData<string, string, string, bool> Calls => new()
    {
        // id, result JSON (from the sandbox), expected JSON (from the dataset), matches
        { "equal int", "3", "3", true },
        { "int equals float", "3", "3.0", true },
        { "list", "[1,[2,3]]", "[1,[2,3]]", true },
        { "tuple became list, wrapped expected (APPS)", "[1,2]", "[[1,2]]", true },
        { "scalar in wrapped expected", "5", "[5]", true },
        { "wrong", "4", "[5]", false },
        // The APPS first-element rule only for one-element lists: it would pass 3 for [3, 4].
        { "first element of a longer list", "3", "[3,4]", false },
        { "first element list of a longer list", "[1,2]", "[[1,2],[3]]", false },
        // Python ints are exact: doubles would pass 2^53 for 2^53 + 1.
        { "2^53 for 2^53 + 1", "9007199254740992", "9007199254740993", false },
        { "big integers equal", "123456789012345678901234567890", "123456789012345678901234567890", true },
        { "int equals the double only exactly", "9007199254740993", "9007199254740993.0", false },
        { "int equals an exactly integral double", "9007199254740992", "9007199254740992.0", true },
        { "doubles compare exactly, as Python's ==", "0.30000000000000004", "0.3", false },
        { "same double, other spelling", "0.1", "1e-1", true },
        { "negative zero", "-0", "0", true },
        { "string vs number", "\"5\"", "5", false },
        { "bool", "true", "true", true },
        { "null vs false", "null", "false", false },
        { "object", "{\"a\":1}", "{\"a\":1.0}", true },
        { "unparsable result", "not json", "1", false },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void ComparesCallResultsAsApps(string id, string result, string expected, bool matches)
    {
        Assert.NotNull(id);
        Assert.Equal(matches, OutputComparer.CallResultMatches(result, JsonNode.Parse(expected)));
    }
}
