using Ded.Data.Engines;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Teachers.Endpoints;
using Ded.Training;

namespace Ded.TeacherSelection;

/// <summary>A student's score as the run folder keeps it (select-teacher/students/TEACHER/score.json), under the
/// fingerprint of what produced it (corpus, training, evaluation, student), so a rerun reuses it.</summary>
public sealed record StoredStudentScore(string Fingerprint, StudentScore Score, string Note);

/// <summary>
/// The students of the smoke test, one per teacher corpus: trained in process (engine `ded`: a copy of the base
/// student fine-tuned through <see cref="ITrainableStudent"/>), or served after an external engine trained them
/// (`--students NAME=URL`); either way evaluated on the benchmarks, the score kept so a rerun skips what is done.
/// </summary>
internal sealed class SmokeStudents(RunStore store, SmokeBenchmarks benchmarks, Action<string> log)
{
    /// <summary>Fine-tunes a copy of <paramref name="baseStudent"/> on the corpus and evaluates it (or reuses the stored score).</summary>
    public async Task<StoredStudentScore> TrainAsync(string teacher, string folder, ITrainableStudent baseStudent, string baseIdentity,
        IReadOnlyList<SftExample> corpus, SftOptions sft, CancellationToken ct)
    {
        var fingerprint = Fingerprint($"ded|{baseIdentity}|{SelectionJson.Write(sft)}|{Hashing.Hex(string.Concat(corpus.Select(e => $"{e.Prompt.Length}:{e.Prompt}{e.Response.Length}:{e.Response}")))}");
        if (Stored(folder, fingerprint) is { } done) return Reused(teacher, done);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var student = baseStudent.Fork();
        await student.SftAsync(corpus, sft, ct);
        var trained = clock.Elapsed;
        var score = await benchmarks.EvaluateAsync(store, student, teacher, folder, ct);
        var note = FormattableString.Invariant($"trained in process on {corpus.Count} rows ({sft.Steps} steps, {trained.TotalSeconds:0.0} s), evaluated in {(clock.Elapsed - trained).TotalSeconds:0.0} s");
        return Save(teacher, folder, new StoredStudentScore(fingerprint, score, note));
    }

    /// <summary>Evaluates the student an external engine trained on the teacher's corpus, served at <paramref name="endpoint"/>.</summary>
    public async Task<StoredStudentScore> EvaluateServedAsync(string teacher, string folder, EndpointOptions endpoint, CancellationToken ct)
    {
        var fingerprint = Fingerprint($"served|{endpoint.BaseUrls[0]}|{endpoint.Model}");
        if (Stored(folder, fingerprint) is { } done) return Reused(teacher, done);
        using var student = new EndpointStudent(endpoint);
        var score = await benchmarks.EvaluateAsync(store, student, endpoint.Model, folder, ct);
        return Save(teacher, folder, new StoredStudentScore(fingerprint, score, $"served at {endpoint.BaseUrls[0]} as {endpoint.Model}"));
    }

    /// <summary>The fingerprint covers the evaluation too: another benchmark or n is another score.</summary>
    private string Fingerprint(string student)
    {
        var o = benchmarks.Options;
        return Hashing.Hex16(FormattableString.Invariant($"{student}|n={o.Samples};t={o.Temperature};p={o.TopP};max={o.MaxTokens};seed={o.Seed}|") +
                             string.Join(",", benchmarks.All.Select(b => $"{b.Name}:{b.Items.Count}")));
    }

    private StoredStudentScore? Stored(string folder, string fingerprint)
    {
        var path = Path.Combine(store.Folder, folder, "score.json");
        if (!File.Exists(path)) return null;
        var stored = SelectionJson.Read<StoredStudentScore>(File.ReadAllText(path));
        return stored.Fingerprint == fingerprint ? stored : null;
    }

    private StoredStudentScore Reused(string teacher, StoredStudentScore done)
    {
        log($"student of {teacher}: evaluated by an earlier run ({done.Note}): {TeacherRanking.Format(done.Score.Score)}");
        return done;
    }

    private StoredStudentScore Save(string teacher, string folder, StoredStudentScore score)
    {
        store.WriteFileAtomically($"{folder}/score.json", SelectionJson.Write(score));
        log($"student of {teacher}: {score.Note}: avg@{benchmarks.Options.Samples} {TeacherRanking.Format(score.Score.Score)}");
        return score;
    }

    /// <summary>Engines llamafactory/trl: one config per teacher over its smoke export, with the paper's SFT settings.</summary>
    public static EngineConfig WriteConfig(TrainingEngine engine, string export, string output, string baseModel, string template, SelectTeacherOptions options) =>
        EngineConfigWriter.Write(engine, new EngineTrainingOptions
        {
            ModelNameOrPath = baseModel, DataDirectory = export, OutputDirectory = output, Template = template,
            Gpus = options.Gpus, PerDeviceBatchSize = options.PerDeviceBatch,
        });
}
