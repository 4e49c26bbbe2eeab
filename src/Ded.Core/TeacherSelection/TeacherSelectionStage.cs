using System.Text;
using Ded.Data.Engines;
using Ded.Display;
using Ded.Export;
using Ded.Recipes;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Selection;
using Ded.Teachers;
using Ded.Teachers.Endpoints;
using Ded.Training;

namespace Ded.TeacherSelection;

/// <summary>What a `ded select-teacher` invocation asks beyond its recipe.</summary>
public sealed record SelectTeacherRequest
{
    /// <summary>Rank by the signals alone: no training, no evaluation.</summary>
    public bool IsSignalsOnly { get; init; }
    /// <summary>Students an external engine trained, served: teacher name → base URL (ending in /v1) and model id.</summary>
    public IReadOnlyDictionary<string, (string BaseUrl, string Model)> Students { get; init; } = new Dictionary<string, (string, string)>();
}

/// <summary>
/// DED's first stage (§2.1), the teacher smoke test: every candidate answers each question once (the run store's
/// rollouts, resumable; recorded teachers are read from their files), each teacher's first answers form its corpus,
/// unfiltered, exported on its own; a copy of the base student is trained on each corpus (in process, or by
/// LLaMA-Factory/TRL from the configs written here) and evaluated with the `ded eval` protocol; the teachers are ranked
/// by their students, and the winner is named only when its interval separates it. Beside it, without training, the
/// base student's per-token loss, token entropy and Rank-Surprisal Ratio on a sample of each teacher's responses, and
/// each signal's Spearman ρ with the smoke-test ranking.
/// </summary>
public static class TeacherSelectionStage
{
    public const string Folder = "select-teacher";
    public const string OutcomeFile = Folder + "/selection.json";

    /// <summary>The teachers compared: the recipe's, then the select_teacher candidates.</summary>
    public static IReadOnlyList<TeacherSpec> Candidates(Recipe recipe) => [.. recipe.Teachers, .. recipe.SelectTeacher?.Candidates ?? []];

    /// <summary>The outcome an earlier run stored; null when the folder has none.</summary>
    public static SelectionOutcome? Load(RunStore store)
    {
        var path = Path.Combine(store.Folder, OutcomeFile);
        return File.Exists(path) ? SelectionJson.Read<SelectionOutcome>(File.ReadAllText(path)) : null;
    }

    /// <param name="run">The recipe prepared with every candidate's client (<see cref="Candidates"/>).</param>
    /// <exception cref="RecipeException">The recipe has no select_teacher block, or it asks for what its student cannot do.</exception>
    /// <exception cref="InvalidOperationException">Teacher requests failed (rerun to retry them), or a benchmark is missing.</exception>
    public static async Task<SelectionOutcome> RunAsync(RunStore store, PreparedRun run, CurationServices services, SelectTeacherRequest request,
        CancellationToken cancellationToken)
    {
        var recipe = run.Recipe;
        var options = recipe.SelectTeacher ?? throw new RecipeException(recipe.SourcePath, 0, "select_teacher",
            "is required by `ded select-teacher`: add a `select_teacher:` block (docs/recipes.md)");
        var spec = options.Student ?? recipe.Student;
        var benchmarks = request.IsSignalsOnly ? null : await LoadBenchmarksAsync(recipe, options, cancellationToken);
        var rollout = await CurationRun.RolloutAsync(store, run, recipe.Sampling with { SamplesPerQuestion = 1 }, services, cancellationToken);
        if (rollout.Failed > 0)
            throw new InvalidOperationException($"select-teacher: {rollout.Failed} teacher requests failed (their errors are in run.db); " +
                                                "rerun the same command to resend them: the answers already stored are kept");
        using var student = spec?.Create(services.Log, cancellationToken);
        var engine = Engine(recipe, options, student, request);
        var teachers = new List<TeacherOutcome>();
        foreach (var teacher in run.Teachers.Select(t => t.Spec))
            teachers.Add(await CorpusAsync(store, recipe, teacher, engine, services, cancellationToken));
        var (signals, scorer) = await SignalsAsync(store, teachers, spec, student, options, services.Log, cancellationToken);
        teachers = [.. teachers.Select(t => signals(t))];
        string? script = null;
        if (benchmarks is not null)
            (teachers, script) = await SmokeTestAsync(store, recipe, teachers, engine, student, spec, benchmarks, request, services.Log, cancellationToken);
        else
            teachers = [.. teachers.Select(t => t with { StudentNote = "not trained (--signals-only)" })];
        var outcome = TeacherRanking.Decide(teachers, RunStore.Snake(engine), request.IsSignalsOnly) with
        {
            Scorer = scorer, TrainScript = script, Notes = Notes(store, teachers),
        };
        store.WriteFileAtomically(OutcomeFile, SelectionJson.Write(outcome));
        return outcome;
    }

    private static async Task<SmokeBenchmarks> LoadBenchmarksAsync(Recipe recipe, SelectTeacherOptions options, CancellationToken ct)
    {
        if (options.Evaluation.Benchmarks.Count == 0)
            throw new RecipeException(recipe.SourcePath, options.Line, "select_teacher.evaluation.benchmarks",
                "is required for the smoke test (a list of question sources, e.g. `- pool: { path: aime24.jsonl, preset: aime }`); or pass --signals-only");
        return await SmokeBenchmarks.LoadAsync(recipe, options.Evaluation, () => new Verification.Code.LinuxSandbox(), ct);
    }

    /// <summary>The recipe's engine, or by default `ded` for a student Ded trains in process and `llamafactory` otherwise.</summary>
    private static TrainingEngine Engine(Recipe recipe, SelectTeacherOptions options, IStudent? student, SelectTeacherRequest request)
    {
        var engine = options.Engine ?? (student is ITrainableStudent ? TrainingEngine.Ded : TrainingEngine.LlamaFactory);
        if (engine == TrainingEngine.Ded && student is not ITrainableStudent && !request.IsSignalsOnly)
            throw new RecipeException(recipe.SourcePath, options.Line, "select_teacher.engine",
                "ded trains the base student in process, and " + (student is null
                    ? "the recipe names no student: add `select_teacher.student: { lab: tiny }` (or `student:`)"
                    : "this one cannot be trained in process (a served student): use `engine: llamafactory` or `trl`, or name an in-process `select_teacher.student`"));
        return engine;
    }

    /// <summary>The teacher's corpus (`smoke:NAME`: sample 0 of every question, unfiltered, uncompressed) and its export.</summary>
    private static async Task<TeacherOutcome> CorpusAsync(RunStore store, Recipe recipe, TeacherSpec teacher, TrainingEngine engine,
        CurationServices services, CancellationToken ct)
    {
        var selection = new SelectionSpec
        {
            Key = CorpusKey(teacher.Name), Diversity = recipe.Diversity with { Strategy = SelectionStrategy.All },
            Teacher = teacher.Name, SampleIndex = 0, IsFiltered = false, IsCompressed = false,
        };
        await CurationRun.SelectAsync(store, selection, services, ct);
        var slug = Slug(teacher.Name);
        var needed = engine == TrainingEngine.Trl ? ExportFormat.Trl : ExportFormat.LlamaFactory;
        var export = recipe.Export with { Formats = [.. recipe.Export.Formats.Append(needed).Distinct()], DatasetName = $"{recipe.Export.DatasetName}_smoke_{slug}" };
        var folder = $"exports/smoke/{slug}";
        var summary = await ExportStage.RunAsync(store, export, selection.Key, folder, ct);
        return new TeacherOutcome { Name = teacher.Name, Model = teacher.ModelId, Corpus = summary.Rows, Export = folder };
    }

    /// <summary>The selection key of a teacher's smoke corpus.</summary>
    public static string CorpusKey(string teacher) => "smoke:" + teacher;

    /// <summary>The corpus as training examples: each question's text and the teacher's answer.</summary>
    private static List<SftExample> Examples(RunStore store, string teacher) =>
        [.. store.Selections(CorpusKey(teacher)).Where(s => s.IsSelected)
            .Select(s => new SftExample(store.Question(s.QuestionId)!.Text, store.Trajectory(s.TrajectoryId)!.RawResponse))];

    private static async Task<(Func<TeacherOutcome, TeacherOutcome> Apply, string Scorer)> SignalsAsync(RunStore store, IReadOnlyList<TeacherOutcome> teachers,
        StudentSpec? spec, IStudent? student, SelectTeacherOptions options, Action<string> log, CancellationToken ct)
    {
        if (student is not IStudentScorer scorer)
        {
            var why = student is null ? "no base student to score them (name `student:` or `select_teacher.student:`)"
                : "the base student cannot score texts (a served student scores with its `chat_template` set; docs/recipes.md)";
            return (t => t with { SignalNote = "no signals: " + why }, "none");
        }
        var identity = SelectionJson.Write(spec);
        var records = await SignalRun.RunAsync(store, [.. teachers.Select(t => t.Name)], scorer, identity, options.Signals, log, ct);
        return (t => Signal(t, records[t.Name], student), Describe(spec!, options.Signals));
    }

    private static TeacherOutcome Signal(TeacherOutcome t, TeacherSignalRecord record, IStudent student)
    {
        if (record.Failure is { } failure)
            return t with { SignalNote = $"no signals: the base student could not score the {record.Sample.Count} sampled responses ({failure}); " +
                                         "select_teacher.signals.max_response_chars cuts them to fit its context" };
        var notes = new List<string> { $"{record.Rows.Count} of {record.Sample.Count} sampled responses scored" };
        if (record.Empty > 0) notes.Add($"{record.Empty} empty (no tokens) left out");
        if (record.Signal is { EntropyBits: null }) notes.Add("entropy not available: " + (student is EndpointStudent
            ? "a served student returns no distribution (prompt_logprobs carries only the token's log-probability and rank)"
            : "the scorer gives none"));
        if (record.Signal is { Rsr: null }) notes.Add("RSR not available: the scorer returns no token ranks");
        return t with { Signal = record.Signal, SignalNote = string.Join("; ", notes) };
    }

    private static string Describe(StudentSpec spec, SignalOptions o) =>
        FormattableString.Invariant($"{SpecName(spec)}: up to {o.Responses} responses per teacher (seed {o.Seed}), rank clipped at {o.RankClip}")
        + (o.MaxResponseChars is { } max ? FormattableString.Invariant($", responses cut to {max} characters") : "");

    private static string SpecName(StudentSpec spec) => spec switch
    {
        EndpointStudentSpec e => $"served {e.Endpoint.Model} ({e.ChatTemplate ?? "no"} chat template)",
        _ => spec.GetType().Name.Replace("Spec", "") + " in process",
    };

    private static async Task<(List<TeacherOutcome>, string?)> SmokeTestAsync(RunStore store, Recipe recipe, List<TeacherOutcome> teachers,
        TrainingEngine engine, IStudent? student, StudentSpec? spec, SmokeBenchmarks benchmarks, SelectTeacherRequest request,
        Action<string> log, CancellationToken ct)
    {
        var students = new SmokeStudents(store, benchmarks, log);
        var options = recipe.SelectTeacher!;
        var script = engine == TrainingEngine.Ded ? null : WriteTrainScript(store, recipe, teachers, engine, spec, options);
        var result = new List<TeacherOutcome>();
        foreach (var t in teachers)
        {
            var folder = $"{Folder}/students/{Slug(t.Name)}";
            StoredStudentScore? score = null;
            if (t.Corpus == 0)
            {
                result.Add(t with { StudentNote = "no student: the teacher answered none of the questions" });
                continue;
            }
            if (request.Students.TryGetValue(t.Name, out var served))
                score = await students.EvaluateServedAsync(t.Name, folder, Served(spec, served), ct);
            else if (engine == TrainingEngine.Ded)
                score = await students.TrainAsync(t.Name, folder, (ITrainableStudent)student!, SelectionJson.Write(spec), Examples(store, t.Name), options.Sft, ct);
            result.Add(t with
            {
                Student = score?.Score,
                StudentNote = score?.Note ?? $"not evaluated yet: train it with {script} and pass --students {t.Name}=URL",
            });
        }
        return (result, script);
    }

    /// <summary>The served student's endpoint: the recipe student's endpoint settings (key, limits, timeouts) at another URL and model.</summary>
    private static EndpointOptions Served(StudentSpec? spec, (string BaseUrl, string Model) served) =>
        (spec is EndpointStudentSpec e ? e.Endpoint : new EndpointOptions { Model = served.Model }) with { BaseUrls = [served.BaseUrl], Model = served.Model };

    /// <summary>Engines llamafactory/trl: one config per teacher and one script that trains them in turn.</summary>
    private static string WriteTrainScript(RunStore store, Recipe recipe, IReadOnlyList<TeacherOutcome> teachers, TrainingEngine engine,
        StudentSpec? spec, SelectTeacherOptions options)
    {
        var endpoint = spec as EndpointStudentSpec;
        var baseModel = options.BaseModel ?? endpoint?.Endpoint.Model ?? throw new RecipeException(recipe.SourcePath, options.Line,
            "select_teacher.base_model", $"is required for engine {RunStore.Snake(engine)}: the model the configs fine-tune (model_name_or_path)");
        var template = options.Template ?? (endpoint?.ChatTemplate is { } name ? Data.Templates.ChatTemplate.Get(name).LlamaFactoryName : null)
            ?? throw new RecipeException(recipe.SourcePath, options.Line, "select_teacher.template",
                "is required for engines llamafactory and trl (the student's chat format as LLaMA-Factory names it), or set the student's chat_template");
        var script = new StringBuilder("#!/bin/sh\n# Trains one student per teacher corpus (DED §2.1); written by `ded select-teacher`.\nset -e\n");
        foreach (var t in teachers.Where(t => t.Corpus > 0))
        {
            var slug = Slug(t.Name);
            var config = SmokeStudents.WriteConfig(engine, Path.Combine(store.Folder, t.Export), Path.Combine(store.Folder, Folder, "train", slug), baseModel, template, options);
            script.Append($"echo {ShellWords.Quote($"training the student on {t.Name}'s corpus")}\n").Append(config.CommandLine).Append('\n');
        }
        var path = store.WriteFileAtomically($"{Folder}/train.sh", script.ToString());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    private static IReadOnlyList<string> Notes(RunStore store, IReadOnlyList<TeacherOutcome> teachers)
    {
        var notes = new List<string>();
        foreach (var t in teachers)
        {
            var responses = store.TrajectoryIdsOf(t.Name).Count;
            if (t.Corpus == 0) notes.Add($"{t.Name} answered none of the questions (its corpus is empty)");
            else if (responses > t.Corpus) notes.Add($"{t.Name}: {responses} responses stored, its first answer to each of {t.Corpus} questions is its corpus");
        }
        return notes;
    }

    /// <summary>A teacher's name as a folder name: letters, digits, '.', '_' and '-' kept, anything else '_' (then a
    /// hash of the name, so two names never share a folder).</summary>
    public static string Slug(string name)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_')]).Trim('.');
        return safe == name && safe.Length > 0 ? safe : $"{safe}-{Hashing.Hex(name)[..6]}";
    }
}
