using System.Text.Json;
using System.Text.RegularExpressions;
using Ded.Tests.Support;
using Ded.Verification.Math;
using Xunit;

namespace Ded.Tests.Verification.Math;

/// <summary>Every MATH-500 gold parses; each, rendered in other equivalent forms, verifies as equal, and a form with
/// one digit changed (or a term added) does not.</summary>
public sealed partial class Math500Tests
{
    private static readonly Lazy<IReadOnlyList<(string Id, string Answer)>> Golds = new(() =>
        File.ReadLines(SharedData.Require("math500.jsonl")).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return (doc.RootElement.GetProperty("unique_id").GetString()!, doc.RootElement.GetProperty("answer").GetString()!);
        }).ToList());

    public static TheoryData<int, string> Indexes()
    {
        // Absent data: one row, so the theory runs once and reports itself skipped (SharedData.Require).
        if (SharedData.Find("math500.jsonl") is null) return new() { { 0, "math500.jsonl absent" } };
        var data = new TheoryData<int, string>();
        for (var i = 0; i < Golds.Value.Count; i++) data.Add(i, Golds.Value[i].Id);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Indexes))]
    public void Gold_parses_and_its_renderings_agree(int index, string id)
    {
        var gold = Golds.Value[index].Answer;
        var self = MathVerifier.Verify(gold, gold, MathVerifyOptions.Default);
        Assert.True(self.Status == MathVerifyStatus.Ok && self.Equivalent, $"{id}: gold [{gold}] does not parse ({self.Status})");
        foreach (var form in EquivalentForms(gold))
        {
            var v = MathVerifier.Verify(gold, form, MathVerifyOptions.Default);
            Assert.True(v.Equivalent, $"{id}: [{gold}] vs equivalent [{form}] → {v.Status} [{v.GoldNormalized}] vs [{v.PredNormalized}]");
        }
        var altered = Altered(gold);
        var a = MathVerifier.Verify(gold, altered, MathVerifyOptions.Default);
        Assert.False(a.Equivalent, $"{id}: [{gold}] vs altered [{altered}] verified equal ([{a.PredNormalized}])");
    }

    /// <summary>At least two renderings: boxed in prose with \frac/\dfrac swapped and \left( \right), inline math
    /// re-spaced; integers also as `x = N`, `N.0` and with thousands separators.</summary>
    internal static IEnumerable<string> EquivalentForms(string gold)
    {
        var swapped = gold.Contains("\\dfrac") ? gold.Replace("\\dfrac", "\\frac") : gold.Replace("\\frac", "\\dfrac");
        var lefted = Regex.Replace(swapped, @"^\((.*)\)$", @"\left($1\right)");
        yield return $"So the final result is $\\boxed{{{lefted}}}$.";
        yield return "We get $ " + Respace(gold) + " $";
        if (Regex.IsMatch(gold, @"^-?\d+$"))
        {
            yield return $"$x = {gold}$";
            yield return $"The answer is {gold}.0";
            if (gold.TrimStart('-').Length > 3) yield return "\\boxed{" + long.Parse(gold).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + "}";
        }
    }

    private static string Respace(string s) => Regex.Replace(s, @"([+=]|,(?!\\!|\d))", " $1 ").Replace("  ", " ");

    /// <summary>Changes the first digit outside a subscript or \sqrt index; without digits, adds a term or a letter.</summary>
    internal static string Altered(string gold)
    {
        var m = Regex.Match(gold, @"\d");
        if (m.Success)
        {
            var d = (char)('0' + (gold[m.Index] - '0' + 1) % 10);
            return "\\boxed{" + gold[..m.Index] + d + gold[(m.Index + 1)..] + "}";
        }
        return gold.StartsWith("\\text{", StringComparison.Ordinal) ? "\\boxed{\\text{not " + gold[6..] + "}" : "\\boxed{" + gold + "+1}";
    }
}
