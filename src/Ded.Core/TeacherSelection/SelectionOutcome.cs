using System.Text.Json.Nodes;
using Ded.Evaluation;

namespace Ded.TeacherSelection;

/// <summary>One candidate teacher's smoke test and signals.</summary>
public sealed record TeacherOutcome
{
    public required string Name { get; init; }
    public required string Model { get; init; }
    /// <summary>Rows of its smoke corpus: its first answer to each question, unfiltered.</summary>
    public int Corpus { get; init; }
    /// <summary>Where its corpus was exported (relative to the run folder).</summary>
    public string Export { get; init; } = "";
    /// <summary>The student trained on its corpus: avg@n over the benchmarks with its 95% interval; null when not evaluated.</summary>
    public StudentScore? Student { get; init; }
    /// <summary>How the student came about, or why there is none yet.</summary>
    public string StudentNote { get; init; } = "";
    /// <summary>1 for the best student; null without a score.</summary>
    public int? Rank { get; init; }
    public TeacherSignal? Signal { get; init; }
    /// <summary>Why there are no signals, or what they leave out.</summary>
    public string SignalNote { get; init; } = "";
}

/// <summary>What `ded select-teacher` decided (select-teacher/selection.json; the report's section).</summary>
public sealed record SelectionOutcome
{
    public required IReadOnlyList<TeacherOutcome> Teachers { get; init; }
    /// <summary>Named only when its student's interval lies above every other student's; else null.</summary>
    public string? Winner { get; init; }
    /// <summary>The decision in words: who won and by what margin, "not separated", or why there was no smoke test.</summary>
    public required string Verdict { get; init; }
    /// <summary>Spearman's ρ of each signal (loss, entropy, rsr) with the student scores, over the teachers with both; raw sign
    /// (lower signal is better, so agreement is negative).</summary>
    public IReadOnlyDictionary<string, double> Spearman { get; init; } = new Dictionary<string, double>();
    /// <summary>Teachers each ρ rests on.</summary>
    public int SpearmanTeachers { get; init; }
    public required string Engine { get; init; }
    /// <summary>Which student scored the signals.</summary>
    public string Scorer { get; init; } = "";
    /// <summary>Engines llamafactory/trl: the script that trains every corpus (relative to the run folder).</summary>
    public string? TrainScript { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>Ranks teachers by their students and sets the signals against that ranking.</summary>
public static class TeacherRanking
{
    /// <summary>The signals' names as the JSON line and the report give them (each: lower is better).</summary>
    public static IReadOnlyList<string> SignalNames { get; } = ["loss", "entropy", "rsr"];

    /// <summary>Each signal's value for a teacher; null where it has none.</summary>
    public static double? Value(TeacherSignal? signal, string name) => name switch
    {
        "loss" => signal?.Loss,
        "entropy" => signal?.EntropyBits,
        "rsr" => signal?.Rsr,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown signal"),
    };

    /// <summary>Ranks (1 = best student; equal means share the better rank's order as listed) and the verdict.</summary>
    public static SelectionOutcome Decide(IReadOnlyList<TeacherOutcome> teachers, string engine, bool isSignalsOnly)
    {
        var scored = teachers.Where(t => t.Student is not null).OrderByDescending(t => t.Student!.Score.Mean).ToList();
        var ranked = teachers.Select(t => t with { Rank = t.Student is null ? null : scored.IndexOf(t) + 1 }).ToList();
        var (winner, verdict) = Winner(teachers, scored, isSignalsOnly);
        var (spearman, n) = Correlations(scored);
        return new SelectionOutcome { Teachers = ranked, Winner = winner, Verdict = verdict, Spearman = spearman, SpearmanTeachers = n, Engine = engine };
    }

    private static (string?, string) Winner(IReadOnlyList<TeacherOutcome> all, List<TeacherOutcome> scored, bool isSignalsOnly)
    {
        if (isSignalsOnly) return (null, "no smoke test (--signals-only): the teachers are ranked by their signals only");
        if (scored.Count < all.Count)
            return (null, $"not decided: {all.Count - scored.Count} of {all.Count} teachers' students are not evaluated yet");
        if (scored.Count == 1) return (scored[0].Name, $"{scored[0].Name} is the only teacher");
        var best = scored[0].Student!.Score;
        var overlapping = scored.Skip(1).Where(t => t.Student!.Score.High >= best.Low).Select(t => t.Name).ToList();
        return overlapping.Count == 0
            ? (scored[0].Name, $"{scored[0].Name}: its student's interval {Format(best)} lies above every other teacher's")
            : (null, $"not separated: {scored[0].Name}'s student {Format(best)} overlaps {string.Join(", ", overlapping)}");
    }

    private static (Dictionary<string, double>, int) Correlations(List<TeacherOutcome> scored)
    {
        var result = new Dictionary<string, double>();
        int n = 0;
        foreach (var name in SignalNames)
        {
            var pairs = scored.Where(t => Value(t.Signal, name) is not null).Select(t => (Signal: Value(t.Signal, name)!.Value, Score: t.Student!.Score.Mean)).ToList();
            if (pairs.Count < 2) continue;
            result[name] = Statistics.Spearman([.. pairs.Select(p => p.Signal)], [.. pairs.Select(p => p.Score)]);
            n = Math.Max(n, pairs.Count);
        }
        return (result, n);
    }

    public static string Format(Score s) => FormattableString.Invariant($"{s.Mean:0.000} [{s.Low:0.000}, {s.High:0.000}]");
}

/// <summary>The last line `ded select-teacher` prints: one JSON object for scripts (the issue's contract).</summary>
public static class SelectionJsonLine
{
    /// <summary>{"winner", "teachers": [{"name", "student_score": {"mean","low","high"} or null, "signals": {"loss","entropy","rsr"}}], "spearman"};
    /// a value that is not a finite number is null.</summary>
    public static string Of(SelectionOutcome o) => new JsonObject
    {
        ["winner"] = o.Winner,
        ["teachers"] = new JsonArray([.. o.Teachers.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["student_score"] = t.Student is { Score: var s } ? new JsonObject { ["mean"] = s.Mean, ["low"] = s.Low, ["high"] = s.High } : null,
            ["signals"] = new JsonObject(TeacherRanking.SignalNames.Select(n =>
                KeyValuePair.Create(n, (JsonNode?)Finite(TeacherRanking.Value(t.Signal, n))))),
        })]),
        ["spearman"] = new JsonObject(o.Spearman.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Finite(kv.Value)))),
    }.ToJsonString();

    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
}
