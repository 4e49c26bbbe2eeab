using System.Text.Json;
using Ded.Tests.Support;
using Ded.Verification.Math;
using Xunit;

namespace Ded.Tests.Verification.Math;

/// <summary>Six models' real AIME 2024 outputs: our extraction plus verification against the upstream harness's
/// `correct`. Any difference must be listed (with its reason) here.</summary>
public sealed class TracesTests
{
    /// <summary>Known differences by "question_id teacher"; empty at present (180 of 180 agree).</summary>
    private static readonly IReadOnlyDictionary<string, string> KnownDifferences = new Dictionary<string, string>();

    [SkippableFact]
    public void Verdicts_match_upstream_correct_except_listed_differences()
    {
        var differences = new List<string>();
        var rows = 0;
        foreach (var line in File.ReadLines(SharedData.Require("traces_sample.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            rows++;
            var verdict = MathVerifier.Verify(r.GetProperty("gold_answer").GetString()!, r.GetProperty("response").GetString()!, MathVerifyOptions.Default);
            if (verdict.Equivalent != r.GetProperty("correct").GetBoolean())
                differences.Add($"{r.GetProperty("question_id").GetString()} {r.GetProperty("teacher").GetString()}");
        }
        Assert.Equal(180, rows);
        Assert.Equal(KnownDifferences.Keys.Order(), differences.Order());
    }
}
