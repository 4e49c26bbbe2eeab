using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ded.Verification.Math;

/// <summary>Batch verification over JSON Lines: each input object has `gold`, `pred`, optional `id` and the settings
/// of <see cref="ParseOptions"/>; each output object has `id`, `equivalent`, `status`, `gold_normalized`,
/// `pred_normalized`, in input order.</summary>
public static partial class MathVerifyJsonl
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
        return (obj["id"], gold, pred, ParseOptions(obj, where, defaults));
    }

    /// <summary>
    /// A record's own settings over <paramref name="defaults"/>, named as Ded's shorthand or as Math-Verify's test
    /// tables name them: `extraction` (latex, expr, latex+expr, choice) or `extraction_config` (a list of Math-Verify
    /// configs, e.g. ["LatexExtractionConfig()", "ExprExtractionConfig()"]), `float_rounding`, `strict`,
    /// `allow_set_relation_comp`.
    /// </summary>
    /// <param name="where">`file:line` for error messages.</param>
    /// <exception cref="FormatException">`where: field: what is wrong`.</exception>
    public static MathVerifyOptions ParseOptions(JsonObject obj, string where, MathVerifyOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var options = defaults;
        if (obj["extraction"] is not null && obj["extraction_config"] is not null)
            throw new FormatException($"{where}: extraction: give either extraction or extraction_config, not both");
        if (obj["extraction"] is { } ex)
            options = options with { Extraction = ExtractionShorthand(Text(ex, "extraction", where), where) };
        if (obj["extraction_config"] is { } configs)
            options = ExtractionConfigs(configs, where, options);
        if (obj["float_rounding"] is { } fr)
        {
            var digits = Integer(fr, "float_rounding", where);
            if (digits is < 0 or > 15) throw new FormatException($"{where}: float_rounding: {digits} must be between 0 and 15");
            options = options with { FloatRounding = digits };
        }
        if (obj["strict"] is { } strict) options = options with { Strict = Boolean(strict, "strict", where) };
        if (obj["allow_set_relation_comp"] is { } set)
            options = options with { AllowSetRelationComparison = Boolean(set, "allow_set_relation_comp", where) };
        return options;
    }

    private static MathExtraction ExtractionShorthand(string value, string where) => value switch
    {
        "latex" => MathExtraction.Latex,
        "expr" => MathExtraction.Expr,
        "latex+expr" => MathExtraction.LatexExpr,
        "choice" => MathExtraction.Choice,
        var other => throw new FormatException($"{where}: extraction: '{other}' is not one of latex, expr, latex+expr, choice"),
    };

    /// <summary>Which targets Math-Verify's `parse(..., extraction_config=[...])` list names, and the LaTeX config's
    /// boxed_match_priority; its other arguments (normalization_config) keep Math-Verify's defaults.</summary>
    private static MathVerifyOptions ExtractionConfigs(JsonNode node, string where, MathVerifyOptions options)
    {
        if (node is not JsonArray { Count: > 0 } list)
            throw new FormatException($"{where}: extraction_config: expected a non-empty list such as [\"LatexExtractionConfig()\", \"ExprExtractionConfig()\"]");
        bool latex = false, expr = false, choice = false;
        var boxedPriority = MathVerifyOptions.DefaultBoxedPriority;
        foreach (var item in list)
        {
            var config = item is JsonValue v && v.TryGetValue<string>(out var s) ? s.Trim() : "";
            if (config.StartsWith("LatexExtractionConfig(", StringComparison.Ordinal))
            {
                latex = true;
                if (BoxedPriority().Match(config) is { Success: true } m) boxedPriority = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (config.StartsWith("ExprExtractionConfig(", StringComparison.Ordinal)) expr = true;
            else if (config.StartsWith("StringExtractionConfig(", StringComparison.Ordinal)) choice = true;
            else throw new FormatException($"{where}: extraction_config: '{config}' is not LatexExtractionConfig(...), ExprExtractionConfig(...) or StringExtractionConfig(...)");
        }
        if (choice && (latex || expr))
            throw new FormatException($"{where}: extraction_config: StringExtractionConfig (multiple choice) cannot be combined with LaTeX or expression targets");
        var extraction = choice ? MathExtraction.Choice : latex && expr ? MathExtraction.LatexExpr : latex ? MathExtraction.Latex : MathExtraction.Expr;
        return options with { Extraction = extraction, BoxedMatchPriority = boxedPriority };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\bboxed_match_priority\s*=\s*(-?\d{1,4})\b")]
    private static partial System.Text.RegularExpressions.Regex BoxedPriority();

    private static string Text(JsonNode node, string field, string where) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"{where}: {field}: expected a string");

    private static int Integer(JsonNode node, string field, string where) =>
        node is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw new FormatException($"{where}: {field}: expected an integer");

    private static bool Boolean(JsonNode node, string field, string where) =>
        node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw new FormatException($"{where}: {field}: expected true or false");

    private static string RequiredString(JsonObject obj, string field, string where) =>
        obj[field] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new FormatException($"{where}: {field}: missing or not a string; each line needs \"gold\" and \"pred\" strings");
}
