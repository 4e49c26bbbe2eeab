using System.Text.Json.Nodes;
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
            var r = (JsonObject)JsonNode.Parse(text)!;
            // The settings each case names, read as `ded verify math` reads them.
            var options = MathVerifyJsonl.ParseOptions(r, $"math_verify_cases.jsonl:{line}", MathVerifyOptions.Default);
            list.Add(new MathVerifyCase(line, (string)r["gold"]!, (string)r["pred"]!, (bool)r["expected"]!, options, (string)r["source"]!));
        }
        return list;
    }
}
