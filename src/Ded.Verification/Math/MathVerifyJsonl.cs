using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ded.Verification.Math;

/// <summary>Batch verification over JSON Lines: each input object has `gold`, `pred`, optional `id`, `extraction`
/// (latex, expr, latex+expr, choice) and `float_rounding`; each output object has `id`, `equivalent`, `status`,
/// `gold_normalized`, `pred_normalized`, in input order.</summary>
public static class MathVerifyJsonl
{
    /// <summary>Reads all input lines, verifies them on all cores, writes results in order; returns the count.</summary>
    public static async Task<int> ProcessAsync(TextReader input, TextWriter output, string sourceName, MathVerifyOptions defaults, CancellationToken ct)
    {
        var requests = new List<(JsonNode? Id, string Gold, string Pred, MathVerifyOptions Options)>();
        var lineNo = 0;
        while (await input.ReadLineAsync(ct) is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            requests.Add(ParseRequest(line, $"{sourceName}:{lineNo}", defaults));
        }
        var verdicts = new MathVerdict[requests.Count];
        Parallel.For(0, requests.Count, new ParallelOptions { CancellationToken = ct }, i =>
            verdicts[i] = MathVerifier.Verify(requests[i].Gold, requests[i].Pred, requests[i].Options, ct));
        for (var i = 0; i < requests.Count; i++)
        {
            var v = verdicts[i];
            var obj = new JsonObject
            {
                ["id"] = requests[i].Id?.DeepClone(),
                ["equivalent"] = v.Equivalent,
                ["status"] = StatusName(v.Status),
                ["gold_normalized"] = v.GoldNormalized,
                ["pred_normalized"] = v.PredNormalized,
            };
            await output.WriteLineAsync(obj.ToJsonString().AsMemory(), ct);
        }
        return requests.Count;
    }

    /// <summary>The snake_case name the CLI writes: ok, no_answer, gold_unparsed, timeout, too_large.</summary>
    public static string StatusName(MathVerifyStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static (JsonNode?, string, string, MathVerifyOptions) ParseRequest(string line, string where, MathVerifyOptions defaults)
    {
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(line) as JsonObject ?? throw new FormatException($"{where}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{where}: not valid JSON ({e.Message}); write one object per line");
        }
        var gold = RequiredString(obj, "gold", where);
        var pred = RequiredString(obj, "pred", where);
        var options = defaults;
        if (obj["extraction"] is { } ex)
        {
            options = options with
            {
                Extraction = ex.GetValue<string>() switch
                {
                    "latex" => MathExtraction.Latex,
                    "expr" => MathExtraction.Expr,
                    "latex+expr" => MathExtraction.LatexExpr,
                    "choice" => MathExtraction.Choice,
                    var other => throw new FormatException($"{where}: extraction: '{other}' is not one of latex, expr, latex+expr, choice"),
                },
            };
        }
        if (obj["float_rounding"] is { } fr)
        {
            var digits = fr.GetValue<int>();
            if (digits is < 0 or > 15) throw new FormatException($"{where}: float_rounding: {digits} must be between 0 and 15");
            options = options with { FloatRounding = digits };
        }
        return (obj["id"], gold, pred, options);
    }

    private static string RequiredString(JsonObject obj, string field, string where) =>
        obj[field] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new FormatException($"{where}: {field}: missing or not a string; each line needs \"gold\" and \"pred\" strings");
}
