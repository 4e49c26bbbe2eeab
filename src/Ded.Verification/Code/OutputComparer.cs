using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ded.Verification.Code;

/// <summary>Output comparison as the harnesses do it, minus their false passes: stdout line by line with whitespace
/// ignored at the ends of lines and of the output (open-r1, LiveCodeBench), then token by token, with a float tolerance
/// (APPS np.allclose) only where the expected token is a real number. Every rule, with an example that must fail:
/// docs/sandbox.md, "Output comparison".</summary>
public static class OutputComparer
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
            if (at[i] != et[i] && !NumbersMatch(at[i], et[i], rel, abs))
                return false;
        return true;
    }

    // An expected integer literal is matched exactly, by value (007 == 7 == 7.0 == 7e0, but 1000009.5 != 1000000
    // although np.allclose passes it); an expected real literal matches within numpy.isclose(actual, expected).
    private static bool NumbersMatch(string a, string e, double rel, double abs)
    {
        if (ExactDecimal.IsIntegerLiteral(e))
            return ExactDecimal.TryParse(a, out var x) && ExactDecimal.TryParse(e, out var y) && x == y;
        if (!ExactDecimal.TryParse(a, out _) || !ExactDecimal.TryParse(e, out _))
            return false;
        var (actual, expected) = (ParseDouble(a), ParseDouble(e));
        return System.Math.Abs(actual - expected) <= abs + rel * System.Math.Abs(expected); // numpy.isclose
    }

    private static double ParseDouble(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>A call's JSON result against the expected value with Python's `==` (the harnesses compare Python
    /// objects): integers exactly at any size, reals as doubles, an integer equal to a real only when exactly so
    /// (1 == 1.0). As in APPS, a one-element expected list also accepts its element ([5] accepts 5; [3, 4] never
    /// accepts 3).</summary>
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
        return JsonEquals(actual, expected) || (expected is JsonArray { Count: 1 } list && JsonEquals(actual, list[0]));
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
            return PythonNumbersEqual(x.ToJsonString(), y.ToJsonString());
        if (kx != ky)
            return false;
        return kx switch
        {
            JsonValueKind.String => x.GetValue<string>() == y.GetValue<string>(),
            _ => true, // true, false, null: the kind is the value
        };
    }

    // JSON numbers as Python's json module reads them: an integer literal is an int (exact, any size), any other a
    // float (IEEE double); an int equals a float only when the double is exactly that integer.
    private static bool PythonNumbersEqual(string a, string b)
    {
        var (aIsInt, bIsInt) = (ExactDecimal.IsIntegerLiteral(a), ExactDecimal.IsIntegerLiteral(b));
        if (aIsInt && bIsInt)
            return ExactDecimal.TryParse(a, out var x) && ExactDecimal.TryParse(b, out var y) && x == y;
        if (!aIsInt && !bIsInt)
            return ParseDouble(a) == ParseDouble(b);
        var (integer, real) = aIsInt ? (a, ParseDouble(b)) : (b, ParseDouble(a));
        return double.IsFinite(real) && real == System.Math.Floor(real)
            && ExactDecimal.TryParse(new BigInteger(real).ToString(CultureInfo.InvariantCulture), out var r)
            && ExactDecimal.TryParse(integer, out var i) && r == i;
    }

    /// <summary>A decimal token read exactly as sign, significant digits and a power of ten, in time linear in its
    /// length (a program can print megabytes of digits): integers of any size compare by value.</summary>
    private readonly record struct ExactDecimal(bool IsNegative, string Digits, long Exponent)
    {
        /// <summary>`[+-]digits`: what the harnesses read as an int.</summary>
        public static bool IsIntegerLiteral(string token) =>
            token.AsSpan(token.Length > 0 && token[0] is '+' or '-' ? 1 : 0) is { Length: > 0 } digits && IsDigits(digits);

        /// <summary>`[+-]digits[.digits][e[+-]digits]` (or `.digits`); anything else (nan, inf, 1/2) is a word.</summary>
        public static bool TryParse(string token, out ExactDecimal value)
        {
            value = default;
            var s = token.AsSpan();
            var negative = s.Length > 0 && s[0] == '-';
            s = s.Length > 0 && s[0] is '+' or '-' ? s[1..] : s;
            var e = s.IndexOfAny('e', 'E');
            var exponent = 0L;
            if (e >= 0 && !long.TryParse(s[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
                return false;
            var mantissa = e >= 0 ? s[..e] : s;
            var dot = mantissa.IndexOf('.');
            var whole = dot >= 0 ? mantissa[..dot] : mantissa;
            var fraction = dot >= 0 ? mantissa[(dot + 1)..] : [];
            if (whole.Length + fraction.Length == 0 || !IsDigits(whole) || !IsDigits(fraction))
                return false;
            var digits = string.Concat(whole, fraction);
            var significant = digits.AsSpan().TrimStart('0');
            var trimmed = significant.TrimEnd('0');
            value = trimmed.IsEmpty
                ? new ExactDecimal(false, "", 0)
                : new ExactDecimal(negative, trimmed.ToString(), exponent - fraction.Length + (significant.Length - trimmed.Length));
            return true;
        }

        private static bool IsDigits(ReadOnlySpan<char> s) => !s.ContainsAnyExceptInRange('0', '9');
    }
}
