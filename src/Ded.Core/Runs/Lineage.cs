using System.Globalization;
using System.Text;
using Ded.Display;
using Ded.Rollouts;

namespace Ded.Runs;

/// <summary>The lineage chain of a trajectory or a question as readable text (what `ded show ID` prints). Every value is
/// escaped for the terminal (<see cref="TerminalText"/>): questions and responses are foreign text, and a label's value
/// stays on its line.</summary>
public static class Lineage
{
    /// <summary>The chain for a trajectory id or a question id; null when the run has neither.</summary>
    public static string? Describe(RunStore store, string id)
    {
        if (store.Trajectory(id) is { } t) return DescribeTrajectory(store, t);
        if (store.Question(id) is not null) return DescribeQuestion(store, id);
        return null;
    }

    public static string DescribeTrajectory(RunStore store, Trajectory t)
    {
        var q = store.Question(t.QuestionId)!;
        var s = t.Sampling;
        var text = new StringBuilder();
        Line(text, "trajectory", t.Id);
        Line(text, "question", $"{q.Id} ({q.Source}, {q.Domain}/{q.Family}, difficulty {q.Difficulty})");
        Block(text, "  text", q.Text);
        Line(text, "  gold", q.GoldAnswer);
        Line(text, "teacher", $"{t.Teacher} (model {t.Model})");
        if (store.RecordedLocation(t.Id) is { } location)
        {
            Line(text, "recorded", $"{location} (read from the teacher's file; nothing was requested)");
            Line(text, "sample", Invariant($"index {t.SampleIndex} of the file's responses to this question, in file order"));
        }
        else
        {
            Line(text, "sampling", Invariant($"M={s.SamplesPerQuestion} temperature={s.Temperature} top_p={s.TopP} max_tokens={s.MaxTokens} base_seed={s.Seed} (settings hash {s.Hash()})"));
            Line(text, "sample", Invariant($"index {t.SampleIndex}, seed {t.Seed}"));
            Line(text, "request", "key " + t.RequestKey);
        }
        Line(text, "response", Invariant($"finish reason {t.FinishReason}, {t.RawResponse.Length} chars, tokens in {t.InputTokens?.ToString() ?? "?"} out {t.OutputTokens?.ToString() ?? "?"}, latency {t.Latency.TotalMilliseconds:0} ms"));
        Block(text, "  raw", t.RawResponse);
        AppendJudgements(store, t, text);
        return text.ToString();
    }

    private static void AppendJudgements(RunStore store, Trajectory t, StringBuilder text)
    {
        var verdicts = store.VerdictsOf(t.Id);
        if (verdicts.Count == 0) Line(text, "verdict", "not verified yet");
        foreach (var v in verdicts) Line(text, "verdict", $"{RunStore.Snake(v.Kind)} by {v.Verifier}: {v.Reason}");
        var filters = store.FilterDecisionsOf(t.Id);
        if (filters.Count == 0) Line(text, "filters", "not filtered yet");
        for (int i = 0; i < filters.Count; i++)
            Line(text, i == 0 ? "filters" : "", $"{(filters[i].Passed ? "PASS" : "FAIL")} {filters[i].Filter}: {filters[i].Reason}");
        var compression = store.CompressionOf(t.QuestionId);
        Line(text, "compression", compression is null ? "not run for this question" : $"{(compression.IsKept ? "kept" : "dropped")}: {compression.Reason}");
        var selections = store.SelectionsOf(t.Id);
        if (selections.Count == 0)
            Line(text, "selection", filters.Count > 0 && filters.Any(f => !f.Passed) ? "not a candidate: failed a filter" : "not selected yet");
        foreach (var sel in selections)
            Line(text, "selection", $"{sel.Strategy}: {(sel.IsSelected ? $"SELECTED (rank {sel.Rank})" : "not selected")}: {sel.Reason}");
    }

    public static string DescribeQuestion(RunStore store, string questionId)
    {
        var q = store.Question(questionId)!;
        var text = new StringBuilder();
        Line(text, "question", $"{q.Id} ({q.Source}, {q.Domain}/{q.Family}, difficulty {q.Difficulty})");
        Block(text, "  text", q.Text);
        Line(text, "  gold", q.GoldAnswer);
        var compression = store.CompressionOf(q.Id);
        Line(text, "compression", compression is null ? "not run for this question" : $"{(compression.IsKept ? "kept" : "dropped")}: {compression.Reason}");
        var trajectories = store.TrajectoriesOf(q.Id);
        Line(text, "trajectories", trajectories.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var t in trajectories)
        {
            var verdict = store.VerdictsOf(t.Id).FirstOrDefault();
            var failed = store.FilterDecisionsOf(t.Id).Where(f => !f.Passed).Select(f => f.Filter).ToList();
            var selected = store.SelectionsOf(t.Id).Where(s => s.IsSelected).Select(s => s.Strategy).ToList();
            Line(text, "", $"{t.Id}  teacher {t.Teacher}  sample {t.SampleIndex}  verdict {(verdict is null ? "-" : RunStore.Snake(verdict.Kind))}  " +
                           $"filters {(failed.Count == 0 ? "pass" : "fail: " + string.Join(",", failed))}  selected {(selected.Count == 0 ? "no" : string.Join(",", selected))}");
        }
        return text.ToString();
    }

    private static void Line(StringBuilder text, string label, string value) => Append(text, label, TerminalText.Line(value));

    /// <summary>Multi-line text, each line under the label's column; tabs stay.</summary>
    private static void Block(StringBuilder text, string label, string value)
    {
        var lines = value.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++) Append(text, i == 0 ? label : "", TerminalText.Block(lines[i]));
    }

    private static void Append(StringBuilder text, string label, string safe) => text.Append(label.PadRight(13)).Append(safe).Append('\n');

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
