using Ded.Data;
using Ded.Export;
using Ded.Filtering;
using Ded.Recipes;
using Ded.Rollouts;
using Ded.Selection;
using Ded.Teachers;
using Ded.Training;
using Ded.Verification;

namespace Ded.Runs;

/// <summary>What a run needs besides its recipe: the pieces other issues supply, and where to report.</summary>
public sealed record CurationServices
{
    public required Func<TeacherSpec, TeacherClient> Teachers { get; init; }
    public required IVerifier Verifier { get; init; }
    /// <summary>An LLM judge for the rule verifier's unverifiable verdicts; null for none.</summary>
    public IVerifier? Judge { get; init; }
    public ITokenizer? Tokenizer { get; init; }
    /// <summary>The student's pass-rate estimate (<see cref="CurationRun.WithStudent"/> builds it from the recipe).</summary>
    public IPassRateEstimator? PassRates { get; init; }
    public IProgress<RolloutProgress>? RolloutProgress { get; init; }
    public Action<string> Log { get; init; } = _ => { };
}

/// <summary>
/// The DED curation stages in order on one run folder: ingest questions, rollouts, verification, filters,
/// question compression, diversity, export. Every step reads and writes only the run store, so any step
/// can be rerun alone (`ded filter`, ...) and a killed run resumes where its records end.
/// </summary>
public static class CurationRun
{
    private static readonly System.Text.Json.JsonSerializerOptions DroppedJson = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Everything that can fail on the user's input, before the run folder is touched: reads every question
    /// whole, builds every teacher client (an endpoint's key must be set) and, when the run goes on past the rollout,
    /// checks that the later stages have what the recipe asks for (a student for compression, a tokenizer for tokens).
    /// </summary>
    /// <exception cref="RecipeException">A question file with a bad line.</exception>
    /// <exception cref="Teachers.Endpoints.EndpointException">An endpoint's API-key variable is not set.</exception>
    /// <exception cref="InvalidOperationException">A missing student or tokenizer.</exception>
    public static PreparedRun Prepare(Recipe recipe, string recipeText, CurationServices services, bool throughExport)
    {
        // Teachers first: an unset API key fails in milliseconds, before a large pool is read.
        var teachers = recipe.Teachers.Select((t, i) => RecipeLocation.RequiringKey(recipe, $"teachers[{i}].endpoint",
            (t as EndpointTeacherSpec)?.Endpoint.ApiKeyEnv, () => services.Teachers(t), recipeText)).ToList();
        RequireInputFiles(recipe, recipeText);
        // why sync: Prepare runs before anything async starts; the screening only reads local files (no synchronization context).
        var (questions, dropped) = QuestionScreening.RunAsync(QuestionLoader.Load(recipe.Questions), recipe.Questions, CancellationToken.None)
            .GetAwaiter().GetResult();
        if (questions.Count == 0 && dropped.Count > 0)
            throw RecipeLocation.Error(recipe, recipe.Questions.Decontaminate is null ? "questions.dedup" : "questions.decontaminate",
                $"dropped every one of the {dropped.Count} questions (the first, {dropped[0].Id}: {dropped[0].Reason}); check the benchmarks and the sources", recipeText);
        if (throughExport)
        {
            if (recipe.Compression.Enabled && services.PassRates is null) throw NoStudent();
            if ((recipe.Filters.LengthUnit == TextUnit.Tokens || recipe.Diversity.Distance == TextUnit.Tokens) && services.Tokenizer is null)
                throw NoTokenizer(recipe, recipeText);
        }
        return new PreparedRun(recipe, recipeText, questions, teachers) { Dropped = dropped };
    }

    /// <summary>Pools and benchmarks are read when the run starts (not when the recipe loads): a missing one fails here, at its recipe line.</summary>
    private static void RequireInputFiles(Recipe recipe, string recipeText)
    {
        var sources = recipe.Questions.Sources;
        for (int i = 0; i < sources.Count; i++)
            if (sources[i] is PoolSource pool && !File.Exists(pool.Path))
                throw RecipeLocation.Error(recipe, $"questions.sources[{i}].pool.path",
                    $"file not found: {pool.Path}; download the pool and set its `path` (relative to the recipe)", recipeText);
        var benchmarks = recipe.Questions.Decontaminate?.Benchmarks ?? [];
        for (int i = 0; i < benchmarks.Count; i++)
            if (!File.Exists(benchmarks[i]))
                throw RecipeLocation.Error(recipe, $"questions.decontaminate.benchmarks[{i}]",
                    $"file not found: {benchmarks[i]}; download the benchmark or remove it from the list", recipeText);
    }

    /// <summary>Snapshots the recipe, ingests the questions (idempotent), reads every recorded teacher's file and draws the missing samples.</summary>
    public static Task<RolloutSummary> RolloutAsync(RunStore store, PreparedRun run, CurationServices services, CancellationToken cancellationToken) =>
        RolloutAsync(store, run, run.Recipe.Sampling, services, cancellationToken);

    /// <summary>As <see cref="RolloutAsync(RunStore, PreparedRun, CurationServices, CancellationToken)"/>, drawing
    /// <paramref name="sampling"/>'s M (the smoke test draws one per question; the request keys do not depend on M).</summary>
    public static async Task<RolloutSummary> RolloutAsync(RunStore store, PreparedRun run, SamplingSettings sampling, CurationServices services,
        CancellationToken cancellationToken)
    {
        var (recipe, recipeText, questions, all) = run;
        store.SnapshotRecipe(recipe, recipeText);
        if (recipe.Questions.Decontaminate is not null || recipe.Questions.Dedup is not null)
        {
            store.WriteFileAtomically("questions_dropped.jsonl", string.Concat(run.Dropped.Select(d => System.Text.Json.JsonSerializer.Serialize(d, DroppedJson) + "\n")));
            services.Log($"questions: {run.Dropped.Count} dropped by screening (questions_dropped.jsonl)");
        }
        int added = store.IngestQuestions(questions);
        services.Log($"questions: {questions.Count} ({added} new)");
        var clock = StageClock.Start(store);
        long recordedAdded = 0;
        foreach (var recorded in all.Select(t => t.Spec).OfType<Teachers.Recorded.RecordedTeacherSpec>())
        {
            var read = await RecordedRollout.IngestAsync(store, questions, recorded, sampling, cancellationToken);
            recordedAdded += read.Added;
            services.Log(Describe(recorded, read));
        }
        var teachers = all.Where(t => t.Spec is not Teachers.Recorded.RecordedTeacherSpec).ToList();
        var options = new RolloutOptions { Sampling = sampling, MaxConcurrency = recipe.MaxConcurrency };
        var summary = await RolloutStage.RunAsync(store, questions, teachers, options, services.RolloutProgress, cancellationToken);
        services.Log($"rollout: {summary.Total} samples, {summary.AlreadyStored} already stored, {summary.Sent} received now, " +
                     $"{summary.Failed} failed, {summary.AbandonedEarlier} left in flight by an earlier run and resent");
        foreach (var attempts in summary.FailedAttempts)
            services.Log($"  {attempts.Outcome} {attempts.Label}: {attempts.Advice}; latest: {Teachers.Endpoints.FaultCauses.Shorten(attempts.Example)}");
        if (summary.Failed > 0 && !summary.AllFailed)
            services.Log($"warning: {summary.Failed} of the {summary.Failed + summary.Sent} samples sent failed (causes above); the later stages use " +
                         $"the {summary.AlreadyStored + summary.Sent} stored; run the same command again to retry the failed ones");
        Timed(store, clock, "rollout", recordedAdded + summary.Sent + summary.Failed, services);
        return summary;
    }

    private static string Describe(Teachers.Recorded.RecordedTeacherSpec t, RecordedSummary s) => s.IsSkipped
        ? $"recorded {t.Name}: {Path.GetFileName(t.Path)} was read completely by an earlier run of this folder"
        : $"recorded {t.Name}: {s.Rows} rows of {Path.GetFileName(t.Path)}, {s.Selected} selected by where, {s.Unmatched} not among the recipe's questions, " +
          $"{s.NoResponse} without a response; {s.Responses} responses to {s.Questions} questions ({s.Empty} empty), {s.Added} stored now";

    /// <summary>Verification then the filters.</summary>
    public static async Task<FilterSummary> FilterAsync(RunStore store, Recipe recipe, CurationServices services, CancellationToken cancellationToken)
    {
        var clock = StageClock.Start(store);
        var verdicts = await VerificationStage.RunAsync(store, services.Verifier, services.Judge, cancellationToken);
        services.Log("verify: " + string.Join(", ", verdicts.Counts.Where(kv => kv.Value > 0).Select(kv => $"{RunStore.Snake(kv.Key)} {kv.Value}")));
        Timed(store, clock, "verify", verdicts.Counts.Values.Sum(), services);
        clock = StageClock.Start(store);
        var filters = await FilterStage.RunAsync(store, recipe.Filters, services.Verifier.Name, services.Judge?.Name, services.Tokenizer, cancellationToken);
        services.Log($"filter: {filters.PassedAll} of {filters.Trajectories} pass every filter" +
                     string.Concat(filters.FailedBy.Select(kv => $"; {kv.Value} fail {kv.Key}")));
        foreach (var warning in filters.Warnings) services.Log("warning: " + warning);
        Timed(store, clock, "filter", filters.Trajectories, services);
        return filters;
    }

    /// <summary>Question compression when the recipe enables it and a student estimator is available.</summary>
    public static async Task<CompressionSummary?> CompressAsync(RunStore store, Recipe recipe, CurationServices services, CancellationToken cancellationToken)
    {
        if (!recipe.Compression.Enabled)
        {
            services.Log("compress: disabled in the recipe (compression.enabled: false)");
            return null;
        }
        if (services.PassRates is null) throw NoStudent();
        var clock = StageClock.Start(store);
        var summary = await CompressionStage.RunAsync(store, services.PassRates, recipe.Compression, cancellationToken);
        services.Log($"compress: {summary.Kept} of {summary.Questions} questions kept, {summary.Dropped} dropped as already solved");
        Timed(store, clock, "compress", summary.Questions, services);
        return summary;
    }

    /// <summary>The recipe's selection: farthest-P (or its strategy) over every teacher's filtered trajectories.</summary>
    public static Task<DiversitySummary> DiversifyAsync(RunStore store, Recipe recipe, CurationServices services, CancellationToken cancellationToken) =>
        SelectAsync(store, SelectionSpec.Of(recipe.Diversity), services, cancellationToken);

    /// <summary>One selection over the store, stored under its key (the recipe's, or a control's such as the lab's conditions).</summary>
    public static async Task<DiversitySummary> SelectAsync(RunStore store, SelectionSpec selection, CurationServices services, CancellationToken cancellationToken)
    {
        var clock = StageClock.Start(store);
        var summary = await DiversityStage.RunAsync(store, selection, services.Tokenizer, cancellationToken);
        services.Log($"diversify ({selection.Key}, P={selection.Diversity.P}): {summary.Selected} of {summary.Candidates} trajectories kept over {summary.Questions} questions");
        Timed(store, clock, "diversify." + selection.Key, summary.Candidates, services);
        return summary;
    }

    public static async Task<ExportSummary> ExportAsync(RunStore store, Recipe recipe, CurationServices services, CancellationToken cancellationToken)
    {
        var clock = StageClock.Start(store);
        var summary = await ExportStage.RunAsync(store, recipe.Export, RunStore.Snake(recipe.Diversity.Strategy), cancellationToken);
        services.Log($"export: {summary.Rows} rows");
        foreach (var file in summary.Files) services.Log("  " + file);
        Timed(store, clock, "export", summary.Rows, services);
        return summary;
    }

    /// <summary>Saves a stage's timing in the store's metrics and says it, so a user sees where the time goes.</summary>
    private static void Timed(RunStore store, StageClock clock, string stage, long rows, CurationServices services) =>
        services.Log($"  {stage}: {clock.Stop(stage, rows).Describe()}");

    /// <summary>Every stage in order (prepare with <c>throughExport: true</c>).</summary>
    public static async Task<ExportSummary> RunAllAsync(RunStore store, PreparedRun run, CurationServices services, CancellationToken cancellationToken)
    {
        var recipe = run.Recipe;
        var rollout = await RolloutAsync(store, run, services, cancellationToken);
        if (rollout.AllFailed) throw new RolloutFailedException(rollout);
        await FilterAsync(store, recipe, services, cancellationToken);
        await CompressAsync(store, recipe, services, cancellationToken);
        await DiversifyAsync(store, recipe, services, cancellationToken);
        return await ExportAsync(store, recipe, services, cancellationToken);
    }

    /// <summary>
    /// With compression on, the services with the recipe's student's pass rates, graded by the run's verifier (else
    /// unchanged). The student is made by its spec (served, or a client's kind such as the lab's checkpoint).
    /// </summary>
    /// <exception cref="InvalidOperationException">The recipe's student cannot answer questions.</exception>
    public static CurationServices WithStudent(CurationServices services, Recipe recipe, CancellationToken cancellationToken)
    {
        if (!recipe.Compression.Enabled || recipe.Student is null || services.PassRates is not null) return services;
        var spec = recipe.Student;
        IStudent student;
        try
        {
            student = RecipeLocation.RequiringKey(recipe, "student.endpoint", (spec as EndpointStudentSpec)?.Endpoint.ApiKeyEnv,
                () => spec.Create(services.Log, cancellationToken));
        }
        catch (RecipeValueException e)
        {
            throw RecipeLocation.Error(recipe, "student." + e.Key, e.Message);
        }
        if (student is not IStudentSampler sampler)
        {
            student.Dispose();
            throw new InvalidOperationException($"{recipe.SourcePath}: student: this student cannot answer questions, which compression needs");
        }
        return services with { PassRates = new StudentPassRates(sampler, services.Verifier, CompressionSampling(recipe)) };
    }

    /// <summary>How compression samples the student: the recipe's compression settings and its seed.</summary>
    public static SampleOptions CompressionSampling(Recipe recipe) => new()
    {
        Temperature = (float)recipe.Compression.Temperature, TopP = (float)recipe.Compression.TopP,
        MaxNewTokens = recipe.Compression.MaxTokens ?? recipe.Sampling.MaxTokens, Seed = (int)recipe.Sampling.Seed,
    };

    private static RecipeException NoTokenizer(Recipe recipe, string recipeText)
    {
        var key = recipe.Filters.LengthUnit == TextUnit.Tokens ? "filters.length_unit" : "diversity.distance";
        const string fix = "the recipe names no tokenizer: add `tokenizer: PATH` (a tokenizer.json or its folder) or count chars";
        return RecipeLocation.Error(recipe, key, RecipeLocation.IsSet(recipeText, key)
            ? "counts tokens, but " + fix : $"is tokens unless set, and {fix} (`{key.Replace(".", ": { ")}: chars }}`)", recipeText);
    }

    private static InvalidOperationException NoStudent() => new(
        "question compression needs the student's pass rates and none were built; name the recipe's `student:` (docs/recipes.md)");
}

/// <summary>A run whose inputs have all been read and checked: ready to touch the run folder.</summary>
public sealed record PreparedRun(Recipe Recipe, string RecipeText, IReadOnlyList<Question> Questions, IReadOnlyList<TeacherClient> Teachers)
{
    /// <summary>Questions the recipe's decontamination and dedup dropped, with why.</summary>
    public IReadOnlyList<DroppedQuestion> Dropped { get; init; } = [];
}
