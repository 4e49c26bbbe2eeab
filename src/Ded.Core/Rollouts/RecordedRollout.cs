using System.Globalization;
using System.Text.Json;
using Ded.Data;
using Ded.Data.Pools;
using Ded.Runs;
using Ded.Teachers.Endpoints;
using Ded.Teachers.Recorded;

namespace Ded.Rollouts;

/// <summary>What reading one recorded teacher's file did.</summary>
/// <param name="Rows">Records read from the file.</param>
/// <param name="Selected">Rows the teacher's `where` kept.</param>
/// <param name="Unmatched">Selected rows whose question is not one of the recipe's (by text or id).</param>
/// <param name="NoResponse">Selected, matched rows without the response field (null or absent).</param>
/// <param name="Responses">Responses matched to a recipe question (several per row when the field is a list).</param>
/// <param name="Empty">Of those, responses with no text (stored: the model answered nothing).</param>
/// <param name="Added">Responses stored now (the rest were stored by an earlier run).</param>
/// <param name="Questions">Recipe questions with at least one response.</param>
/// <param name="IsSkipped">The file was read completely by an earlier run of this folder: nothing was read now.</param>
public sealed record RecordedSummary(long Rows, long Selected, long Unmatched, long NoResponse, long Responses, long Empty, long Added, int Questions, bool IsSkipped);

/// <summary>
/// The rollout of a recorded teacher: streams its file once (memory holds the recipe's questions and one batch of
/// matched responses, never the file), keeps the rows its `where` selects, matches each to a recipe question by trimmed
/// text or id, and stores every response as a trajectory with the file location it came from. Request keys are
/// derived from the teacher's spec, the question and the sample index, so a rerun stores nothing twice; once a file has
/// been read completely its fingerprint (size, time, spec) is kept and a rerun does not read it again.
/// </summary>
public static class RecordedRollout
{
    private const int BatchSize = 512; // responses per transaction: one commit per batch, not per row

    /// <exception cref="InvalidDataException">A bad record, or no selected row with the response field (the message names the field).</exception>
    /// <exception cref="RunStoreException">The file changed since this run folder read it.</exception>
    public static async Task<RecordedSummary> IngestAsync(RunStore store, IReadOnlyList<Question> questions, RecordedTeacherSpec teacher,
        SamplingSettings sampling, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var fingerprint = Fingerprint(teacher);
        if (store.RecordedFingerprint(teacher.Name) is { } done)
        {
            if (done != fingerprint)
                throw new RunStoreException($"{store.Folder}: teacher {teacher.Name}'s file {teacher.Path} changed since this run read it; use another --out folder");
            return new RecordedSummary(0, 0, 0, 0, 0, 0, 0, 0, IsSkipped: true);
        }
        var reader = new Reader(teacher, questions, sampling);
        var batch = new List<RecordedTrajectory>(BatchSize);
        long added = 0;
        await foreach (var record in PoolRecordReader.ReadAsync(teacher.Path, cancellationToken))
        {
            batch.AddRange(reader.Read(record));
            if (batch.Count < BatchSize) continue;
            added += store.SaveRecorded(batch);
            batch.Clear();
        }
        added += store.SaveRecorded(batch);
        reader.ThrowIfNoResponses();
        store.SaveRecordedFingerprint(teacher.Name, fingerprint);
        return reader.Summary(added);
    }

    /// <summary>What identifies the file's content as read: its size and write time, and the spec that read it.</summary>
    private static string Fingerprint(RecordedTeacherSpec teacher)
    {
        var file = new FileInfo(teacher.Path);
        return Hashing.Hex16(string.Create(CultureInfo.InvariantCulture,
            $"{file.Length}|{file.LastWriteTimeUtc.Ticks}|{JsonSerializer.Serialize(teacher with { Path = file.Name })}"));
    }

    /// <summary>One pass over the records: the where clause, the match, the sample indices and the counts.</summary>
    private sealed class Reader(RecordedTeacherSpec teacher, IReadOnlyList<Question> questions, SamplingSettings sampling)
    {
        private readonly FieldPath _question = FieldPath.Parse(teacher.QuestionField), _response = FieldPath.Parse(teacher.ResponseField);
        private readonly FieldPath? _reasoning = teacher.ReasoningField is { } r ? FieldPath.Parse(r) : null;
        private readonly FieldPath? _id = teacher.IdField is { } i ? FieldPath.Parse(i) : null;
        private readonly FieldPath? _finish = teacher.FinishReasonField is { } f ? FieldPath.Parse(f) : null;
        private readonly (FieldPath Path, string Value)[] _where = [.. teacher.Where.Select(kv => (FieldPath.Parse(kv.Key), kv.Value))];
        // First question wins when two recipe questions share a text; ids are unique (the loader checks).
        private readonly Dictionary<string, Question> _byKey = questions.GroupBy(q => teacher.IdField is null ? q.Text.Trim() : q.Id)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        private readonly Dictionary<string, int> _next = new(StringComparer.Ordinal);
        private readonly string _specHash = Hashing.Hex16(JsonSerializer.Serialize(teacher with { Path = System.IO.Path.GetFileName(teacher.Path) }));
        private long _rows, _selected, _unmatched, _noResponse, _responses, _empty;
        private string? _firstSelectedFields;

        public IEnumerable<RecordedTrajectory> Read(PoolRecord record)
        {
            _rows++;
            var row = record.Value;
            if (!_where.All(w => w.Path.TextOf(row) == w.Value)) return [];
            _selected++;
            _firstSelectedFields ??= string.Join(", ", row.EnumerateObject().Select(p => p.Name).Take(20));
            var key = _id is null ? _question.TextOf(row)?.Trim() : _id.TextOf(row);
            if (key is null)
                throw new InvalidDataException($"{record.Location}: field '{(_id ?? _question).Text}' is missing or null (fields present: {_firstSelectedFields})");
            if (!_byKey.TryGetValue(key, out var question))
            {
                _unmatched++;
                return [];
            }
            var responses = _response.TextsOf(row);
            if (responses.Count == 0 || responses.All(r => r is null))
            {
                _noResponse++;
                return [];
            }
            return Trajectories(record, question, responses);
        }

        private List<RecordedTrajectory> Trajectories(PoolRecord record, Question question, IReadOnlyList<string?> responses)
        {
            var reasonings = _reasoning?.TextsOf(record.Value) ?? [];
            var finishes = _finish?.TextsOf(record.Value) ?? [];
            var stored = new List<RecordedTrajectory>(responses.Count);
            for (int i = 0; i < responses.Count; i++)
            {
                if (responses[i] is not { } response) continue;
                _responses++;
                if (response.Length == 0) _empty++;
                var text = Combine(reasonings.ElementAtOrDefault(i), response);
                var location = responses.Count == 1 ? record.Location : $"{record.Location} [{i}]";
                stored.Add(new RecordedTrajectory(ToTrajectory(question, text, finishes.ElementAtOrDefault(i)), location));
            }
            return stored;
        }

        /// <summary>Reasoning kept apart goes back in a think block, unless the response carries its own tags (the AM sets have both).</summary>
        private static string Combine(string? reasoning, string response) =>
            string.IsNullOrWhiteSpace(reasoning) || ThinkBlock.HasThinkTags(response) ? response : ReasoningNormalizer.Normalize(reasoning, response).FullText;

        private Trajectory ToTrajectory(Question question, string text, string? finish)
        {
            int index = _next.TryGetValue(question.Id, out var n) ? n : 0;
            _next[question.Id] = index + 1;
            var think = ThinkBlock.Parse(text);
            return new Trajectory
            {
                Id = $"{question.Id}.{teacher.Name}.{index}.r{_specHash[..7]}",
                RequestKey = Hashing.Hex($"recorded|{_specHash}|{question.Id}|{index}"),
                QuestionId = question.Id, Teacher = teacher.Name, Model = teacher.ModelId, SampleIndex = index, Seed = 0,
                Sampling = sampling, RawResponse = text, Reasoning = think.Reasoning, FinalAnswerText = think.AnswerText,
                FinishReason = finish ?? "unknown",
            };
        }

        /// <exception cref="InvalidDataException">Rows were selected but none had the response field: the mapping is wrong.</exception>
        public void ThrowIfNoResponses()
        {
            if (_selected > 0 && _selected > _unmatched && _responses == 0)
                throw new InvalidDataException($"{teacher.Path}: no selected row has field '{_response.Text}' (fields present: {_firstSelectedFields}); " +
                                               "set the recorded teacher's response_field");
        }

        public RecordedSummary Summary(long added) =>
            new(_rows, _selected, _unmatched, _noResponse, _responses, _empty, added, _next.Count, IsSkipped: false);
    }
}
