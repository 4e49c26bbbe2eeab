using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ded.Verification.Code;

/// <summary>Output comparison as the harnesses do it: stdout line by line with whitespace ignored at the ends of
/// lines and of the output (open-r1, LiveCodeBench), then token by token with float tolerance (APPS np.allclose).</summary>
internal static class OutputComparer
{
    private static readonly char[] Blanks = [' ', '\t', '\r', '\f', '\v'];

    /// <summary>True when stdout matches. Unlike open-r1's `zip`, a missing or extra line is a mismatch.</summary>
    public static bool StdoutMatches(string actual, string expected, double relativeTolerance, double absoluteTolerance)
    {
        var a = actual.Trim().Split('\n');
        var e = expected.Trim().Split('\n');
        if (a.Length != e.Length)
            return false;
        for (var i = 0; i < a.Length; i++)
            if (!LineMatches(a[i].Trim(), e[i].Trim(), relativeTolerance, absoluteTolerance))
                return false;
        return true;
    }

    private static bool LineMatches(string a, string e, double rel, double abs)
    {
        if (a == e)
            return true;
        var at = a.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
        var et = e.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
        if (at.Length != et.Length)
            return false;
        for (var i = 0; i < at.Length; i++)
            if (at[i] != et[i] && !FloatsClose(at[i], et[i], rel, abs))
                return false;
        return true;
    }

    // Tolerance only where a token is written as a real number: integers must match exactly, or 1000000 and
    // 1000001 would pass under a relative tolerance of 1e-5.
    private static bool FloatsClose(string a, string e, double rel, double abs)
    {
        if (!IsReal(a) && !IsReal(e))
            return false;
        if (!double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            || !double.TryParse(e, NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
            return false;
        return System.Math.Abs(x - y) <= abs + rel * System.Math.Abs(y); // numpy.isclose(x, y)
    }

    private static bool IsReal(string token) => token.AsSpan().IndexOfAny('.', 'e', 'E') >= 0;

    /// <summary>A call's JSON result against the expected value, as APPS does: equal, or equal to the expected
    /// list's first element (its outputs are often wrapped in a list); numbers compare by value (1 == 1.0).</summary>
    public static bool CallResultMatches(string resultJson, JsonNode? expected)
    {
        JsonNode? actual;
        try
        {
            actual = JsonNode.Parse(resultJson);
        }
        catch (JsonException)
        {
            return false;
        }
        return JsonEquals(actual, expected)
            || (expected is JsonArray { Count: > 0 } list && JsonEquals(actual, list[0]));
    }

    private static bool JsonEquals(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(p => JsonEquals(p.First, p.Second)),
        (JsonObject x, JsonObject y) => x.Count == y.Count
            && x.All(p => y.TryGetPropertyValue(p.Key, out var v) && JsonEquals(p.Value, v)),
        (JsonValue x, JsonValue y) => ValueEquals(x, y),
        _ => false,
    };

    private static bool ValueEquals(JsonValue x, JsonValue y)
    {
        var (kx, ky) = (x.GetValueKind(), y.GetValueKind());
        if (kx == JsonValueKind.Number && ky == JsonValueKind.Number)
            return x.GetValue<double>() == y.GetValue<double>();
        if (kx != ky)
            return false;
        return kx switch
        {
            JsonValueKind.String => x.GetValue<string>() == y.GetValue<string>(),
            _ => true, // true, false, null: the kind is the value
        };
    }
}
