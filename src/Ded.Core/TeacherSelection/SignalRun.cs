using System.Diagnostics;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Selection;
using Ded.Training;

namespace Ded.TeacherSelection;

/// <summary>One teacher's signals as the run folder keeps them (select-teacher/signals.json): the seeded sample, what
/// could not be scored and each scored response's row, under the fingerprint of what produced them.</summary>
public sealed record TeacherSignalRecord
{
    public required string Fingerprint { get; init; }
    public required IReadOnlyList<string> Sample { get; init; }
    public int Empty { get; init; }
    public IReadOnlyList<TrajectorySignal> Rows { get; init; } = [];
    public TeacherSignal? Signal { get; init; }
    /// <summary>Why the sample could not be scored (a served student refused it); a failed record is scored again by a rerun.</summary>
    public string? Failure { get; init; }
}

/// <summary>
/// The cheap signals (no training): the base student scores a seeded sample of each teacher's stored responses
/// (empty responses have no tokens: left out and counted), and <see cref="TeacherSignals"/> turns the token scores
/// into loss, entropy and RSR. A teacher already scored under the same fingerprint (scorer, options, sample) is not
/// scored again.
/// </summary>
internal static class SignalRun
{
    public const string File = "select-teacher/signals.json";

    public static async Task<IReadOnlyDictionary<string, TeacherSignalRecord>> RunAsync(RunStore store, IReadOnlyList<string> teachers,
        IStudentScorer scorer, string scorerIdentity, SignalOptions options, Action<string> log, CancellationToken ct)
    {
        var done = Load(store);
        var result = new Dictionary<string, TeacherSignalRecord>();
        foreach (var teacher in teachers)
        {
            var sample = Sample(store.TrajectoryIdsOf(teacher), options);
            var fingerprint = Hashing.Hex16($"{scorerIdentity}|{SelectionJson.Write(options)}|{string.Join(",", sample)}");
            if (done.TryGetValue(teacher, out var earlier) && earlier.Fingerprint == fingerprint)
            {
                log($"signals {teacher}: {earlier.Rows.Count} responses scored by an earlier run (select-teacher/signals.json)");
                result[teacher] = earlier;
                continue;
            }
            result[teacher] = await ScoreAsync(store, teacher, sample, fingerprint, scorer, options, log, ct);
            store.WriteFileAtomically(File, SelectionJson.Write(done.Concat(result).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value)));
        }
        return result;
    }

    /// <summary>Up to <see cref="SignalOptions.Responses"/> of the ids, drawn with the options' seed, in id order.</summary>
    internal static IReadOnlyList<string> Sample(IReadOnlyList<string> ids, SignalOptions options) =>
        [.. SelectionControls.Random(ids.Count, Math.Min(options.Responses, ids.Count), options.Seed).Order().Select(i => ids[i])];

    private static async Task<TeacherSignalRecord> ScoreAsync(RunStore store, string teacher, IReadOnlyList<string> sample, string fingerprint,
        IStudentScorer scorer, SignalOptions options, Action<string> log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var trajectories = sample.Select(id => store.Trajectory(id)!).Where(t => t.RawResponse.Length > 0).ToList();
        var examples = trajectories.Select(t => new SftExample(store.Question(t.QuestionId)!.Text, Cut(t.RawResponse, options.MaxResponseChars))).ToList();
        IReadOnlyList<TokenScores> scores;
        try
        {
            scores = examples.Count == 0 ? [] : await scorer.ScoreAsync(examples, ct);
        }
        catch (Teachers.Endpoints.EndpointException e)
        {
            // A served student that cannot score (its context is too short for the responses): the teacher gets no signal, and says why.
            log($"signals {teacher}: not scored: {e.Message}");
            return new TeacherSignalRecord { Fingerprint = "", Sample = sample, Empty = 0, Failure = e.Message };
        }
        var rows = trajectories.Select((t, i) => TeacherSignals.Of(t.Id, scores[i], options.RankClip)).OfType<TrajectorySignal>().ToList();
        int empty = sample.Count - rows.Count;
        var signal = rows.Count == 0 ? null : TeacherSignals.Aggregate(rows, empty, new Evaluation.BootstrapOptions { Seed = (int)options.Seed });
        log($"signals {teacher}: {rows.Count} of {sample.Count} sampled responses scored ({empty} empty or without tokens), " +
            $"{rows.Sum(r => (long)r.Tokens)} tokens, {clock.Elapsed.TotalSeconds:0.0} s");
        return new TeacherSignalRecord { Fingerprint = fingerprint, Sample = sample, Empty = empty, Rows = rows, Signal = signal };
    }

    private static string Cut(string response, int? max) => max is { } m && response.Length > m ? response[..m] : response;

    private static Dictionary<string, TeacherSignalRecord> Load(RunStore store)
    {
        var path = Path.Combine(store.Folder, File);
        return System.IO.File.Exists(path) ? SelectionJson.Read<Dictionary<string, TeacherSignalRecord>>(System.IO.File.ReadAllText(path)) : [];
    }
}
