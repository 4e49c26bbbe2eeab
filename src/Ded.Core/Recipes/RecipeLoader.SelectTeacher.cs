using Ded.Data;
using Ded.Data.Engines;
using Ded.TeacherSelection;
using Ded.Training;

namespace Ded.Recipes;

public static partial class RecipeLoader
{
    /// <summary>`select_teacher:` (docs/recipes.md): candidates, engine, base student, SFT, evaluation and signals.</summary>
    /// <remarks>A candidate named like one of the recipe's teachers is reported by <see cref="CheckCandidates"/>, once both are read.</remarks>
    private static SelectTeacherOptions? ReadSelectTeacher(RecipeSection top, string baseDir, RecipeExtensions extensions)
    {
        var s = top.Section("select_teacher");
        if (s is null) return null;
        var d = new SelectTeacherOptions();
        var candidates = ReadTeacherList(s, "candidates", baseDir, extensions, required: false);
        var sft = s.Section("sft");
        var evaluation = s.Section("evaluation");
        var signals = s.Section("signals");
        var options = new SelectTeacherOptions
        {
            Candidates = candidates,
            Engine = s.Has("engine") ? s.Enum("engine", TrainingEngine.Ded) : null,
            Student = ReadStudent(s.Section("student"), baseDir, extensions),
            BaseModel = s.String("base_model", null),
            Template = s.String("template", null),
            Sft = sft is null ? d.Sft : ReadSft(sft),
            Gpus = s.Int("gpus", d.Gpus, 1, 4096),
            PerDeviceBatch = s.Int("per_device_batch", d.PerDeviceBatch, 1, 4096),
            Evaluation = evaluation is null ? d.Evaluation : ReadSmokeEvaluation(evaluation, baseDir, extensions),
            Signals = signals is null ? d.Signals : ReadSignals(signals),
            Line = s.Line,
        };
        s.Done();
        return options;
    }

    private static void CheckCandidates(Recipe recipe, RecipeSection top)
    {
        if (recipe.SelectTeacher?.Candidates.FirstOrDefault(c => recipe.Teachers.Any(t => t.Name == c.Name)) is { } twice)
            throw new RecipeException(top.File, recipe.SelectTeacher.Line, "select_teacher.candidates",
                $"'{twice.Name}' is also one of the recipe's teachers; teacher names must be unique");
    }

    private static SftOptions ReadSft(RecipeSection s)
    {
        var d = new SftOptions();
        var sft = new SftOptions
        {
            Steps = s.Int("steps", d.Steps, 1, 10_000_000),
            BatchSize = s.Int("batch_size", d.BatchSize, 1, 4096),
            LearningRate = s.Double("learning_rate", d.LearningRate, 1e-9, 10),
            WarmupSteps = s.Int("warmup_steps", d.WarmupSteps, 0, 10_000_000),
            Seed = s.Int("seed", d.Seed),
        };
        s.Done();
        return sft;
    }

    private static SmokeEvaluation ReadSmokeEvaluation(RecipeSection s, string baseDir, RecipeExtensions extensions)
    {
        var d = new SmokeEvaluation();
        var benchmarks = new List<SmokeBenchmark>();
        var items = s.List("benchmarks") ?? [];
        for (int i = 0; i < items.Count; i++)
        {
            var item = RecipeSection.Expect(s.File, items[i], $"{s.KeyPath("benchmarks")}[{i}]");
            var source = ReadSource(item, baseDir, extensions);
            var name = BenchmarkName(source, extensions);
            if (benchmarks.Any(b => b.Name == name)) name += $"-{i}";
            benchmarks.Add(new SmokeBenchmark(name, source, item.Has("limit") ? item.Int("limit", 0, 1) : null));
            item.Done();
        }
        var evaluation = new SmokeEvaluation
        {
            Benchmarks = benchmarks,
            Samples = s.Int("samples", d.Samples, 1, 1024),
            Temperature = s.Double("temperature", d.Temperature, 0, 5),
            TopP = s.Double("top_p", d.TopP, 0, 1),
            MaxTokens = s.Int("max_tokens", d.MaxTokens, 1),
            Seed = s.Long("seed", d.Seed),
        };
        s.Done();
        return evaluation;
    }

    /// <summary>A file's name without extension, or a client kind's key (`lab`).</summary>
    private static string BenchmarkName(QuestionSource source, RecipeExtensions extensions) => source switch
    {
        PoolSource p => System.IO.Path.GetFileNameWithoutExtension(p.Path),
        JsonlSource j => System.IO.Path.GetFileNameWithoutExtension(j.Path),
        _ => extensions.Sources.FirstOrDefault(k => k.SpecType == source.GetType())?.Key ?? source.GetType().Name,
    };

    private static SignalOptions ReadSignals(RecipeSection s)
    {
        var d = new SignalOptions();
        var signals = new SignalOptions
        {
            Responses = s.Int("responses", d.Responses, 1, 1_000_000),
            Seed = s.Long("seed", d.Seed),
            RankClip = s.Int("rank_clip", d.RankClip, 1, 1_000_000),
            MaxResponseChars = s.Has("max_response_chars") ? s.Int("max_response_chars", 0, 1) : d.MaxResponseChars,
        };
        s.Done();
        return signals;
    }
}
