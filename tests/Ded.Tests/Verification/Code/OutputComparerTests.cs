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
