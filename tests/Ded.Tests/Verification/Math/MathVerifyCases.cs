using System.Text.Json;
using Ded.Tests.Support;
using Ded.Verification.Math;

namespace Ded.Tests.Verification.Math;

/// <summary>One row of Math-Verify's own test table (`math_verify_cases.jsonl`), with the settings it names.</summary>
public sealed record MathVerifyCase(int Line, string Gold, string Pred, bool Expected, MathVerifyOptions Options, string Source)
{
    public override string ToString() => $"#{Line} {Source}";

    public static IReadOnlyList<MathVerifyCase> Load()
    {
        var path = SharedData.Require("math_verify_cases.jsonl");
        var list = new List<MathVerifyCase>();
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            using var doc = JsonDocument.Parse(text);
            var r = doc.RootElement;
            var configs = r.GetProperty("extraction_config").EnumerateArray().Select(e => e.GetString() ?? "").ToList();
            var latex = configs.Any(c => c.StartsWith("LatexExtractionConfig", StringComparison.Ordinal));
            var expr = configs.Any(c => c.StartsWith("ExprExtractionConfig", StringComparison.Ordinal));
            var options = new MathVerifyOptions
            {
                Extraction = latex && expr ? MathExtraction.LatexExpr : latex ? MathExtraction.Latex : MathExtraction.Expr,
                FloatRounding = r.GetProperty("float_rounding").GetInt32(),
                Strict = r.GetProperty("strict").GetBoolean(),
                AllowSetRelationComparison = r.GetProperty("allow_set_relation_comp").GetBoolean(),
            };
            list.Add(new MathVerifyCase(line, r.GetProperty("gold").GetString()!, r.GetProperty("pred").GetString()!,
                r.GetProperty("expected").GetBoolean(), options, r.GetProperty("source").GetString()!));
        }
        return list;
    }
}
