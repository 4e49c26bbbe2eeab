using Ded.Data;
using Ded.Data.Pools;
using Ded.Filtering;
using Ded.Recipes;
using Ded.Tests.Spine;
using SpineCli = Ded.Tests.Spine.Spine;
using Ded.Tests.Support;
using Ded.Verification;
using Xunit;

namespace Ded.Tests.ShippedRecipes;

/// <summary>The recipes in recipes/ load with the values they document, and fail a run only on what the user must supply.</summary>
public sealed class ShippedRecipeTests
{
    private static Recipe Load(string name) => RecipeLoader.Load(Path.Combine(SharedData.RepoRoot, "recipes", name), LabExtension.Kinds);

    [Fact]
    public void S1kMathRecipeResolvesThePapersValues()
    {
        var r = Load("ded-s1k-math.yaml");
        var pool = Assert.IsType<PoolSource>(Assert.Single(r.Questions.Sources));
        Assert.Equal(("s1k", "question", "solution", AnswerRule.LastBoxedOrVerbatim, "math"),
            (pool.Preset, pool.Mapping.QuestionField, pool.Mapping.AnswerField, pool.Mapping.AnswerRule, pool.Domain));
        Assert.Equal(["math500.jsonl", "aime24.jsonl", "aime25.jsonl"], r.Questions.Decontaminate!.Benchmarks.Select(Path.GetFileName));
        Assert.All(r.Questions.Decontaminate.Benchmarks, b => Assert.True(File.Exists(b), b));
        Assert.Equal(8, r.Questions.Decontaminate.Ngram);
        Assert.Equal(0.8, r.Questions.Dedup!.NearThreshold);
        var teacher = Assert.IsType<EndpointTeacherSpec>(Assert.Single(r.Teachers)).Endpoint;
        Assert.Equal(("Qwen/QwQ-32B", "DED_TEACHER_API_KEY"), (teacher.Model, teacher.ApiKeyEnv));
        Assert.Equal((8, 0.6, 0.95, 32768), (r.Sampling.SamplesPerQuestion, r.Sampling.Temperature, r.Sampling.TopP, r.Sampling.MaxTokens));
        Assert.Equal((16384, TextUnit.Tokens, true, true), (r.Filters.MaxLength, r.Filters.LengthUnit, r.Filters.RequireThinkPairing, r.Filters.RequireCorrect));
        Assert.True(File.Exists(r.Tokenizer), r.Tokenizer);
        Assert.Equal((VerifierSpec.Math, 6), (r.Verifier.Kind, r.Verifier.FloatRounding));
        Assert.Equal((true, 8, 0.5), (r.Compression.Enabled, r.Compression.K, r.Compression.Threshold));
        var student = Assert.IsType<Training.EndpointStudentSpec>(r.Student);
        Assert.Equal(("Qwen/Qwen2.5-32B-Instruct", "chatml"), (student.Endpoint.Model, student.ChatTemplate)); // chatml: it also scores, for the signals
        Assert.Equal((4, TextUnit.Chars), (r.Diversity.P, r.Diversity.Distance));
        Assert.Equal([Export.ExportFormat.LlamaFactory, Export.ExportFormat.Trl], r.Export.Formats);
    }

    /// <summary>DED's first stage: the teacher above and the paper's other candidates, trained by LLaMA-Factory on the
    /// base student, evaluated avg@16 on AIME 2024 and MATH-500, with the signals over 200 responses per teacher.</summary>
    [Fact]
    public void S1kMathRecipeSelectsTheTeacherAsThePaperDid()
    {
        var s = Load("ded-s1k-math.yaml").SelectTeacher!;
        Assert.Equal(["deepseek-r1", "qwen3-235b"], s.Candidates.Select(c => c.Name));
        Assert.Equal((Ded.Data.Engines.TrainingEngine.LlamaFactory, "Qwen/Qwen2.5-32B-Instruct", "qwen"), (s.Engine, s.BaseModel, s.Template));
        Assert.Equal(["aime24", "math500"], s.Evaluation.Benchmarks.Select(b => b.Name));
        Assert.All(s.Evaluation.Benchmarks, b => Assert.True(File.Exists(((PoolSource)b.Source).Path), b.Name));
        Assert.Equal((16, 0.6, 0.95), (s.Evaluation.Samples, s.Evaluation.Temperature, s.Evaluation.TopP));
        Assert.Equal((200, 100), (s.Signals.Responses, s.Signals.RankClip));
    }

    [Theory]
    [InlineData("ded-codeforces.yaml")]
    [InlineData("ded-mixed.yaml")]
    public void TheOtherPaperRecipesCompressWithTheServedStudent(string name)
    {
        var r = Load(name);
        Assert.True(r.Compression.Enabled);
        Assert.Equal("Qwen/Qwen2.5-32B-Instruct", Assert.IsType<Training.EndpointStudentSpec>(r.Student).Endpoint.Model);
    }

    [Fact]
    public void CodeforcesRecipeUsesTheCodePresetAndVerifier()
    {
        var r = Load("ded-codeforces.yaml");
        var pool = Assert.IsType<PoolSource>(Assert.Single(r.Questions.Sources));
        Assert.Equal(("codeforces", PoolShape.CodeTests, "verification_info", "code", 1000), (pool.Preset, pool.Mapping.Shape, pool.Mapping.TestsField, pool.Domain, pool.Count));
        Assert.Equal(VerifierSpec.Code, r.Verifier.Kind);
    }

    [Fact]
    public void MixedRecipeTakesBothDomainsAndRoutesByDomain()
    {
        var r = Load("ded-mixed.yaml");
        Assert.Equal([("s1k", "math", 100), ("codeforces", "code", 100)],
            r.Questions.Sources.Cast<PoolSource>().Select(p => (p.Preset, p.Domain, p.Count!.Value)));
        Assert.Equal(VerifierSpec.Auto, r.Verifier.Kind);
        Assert.Equal(4, r.Questions.Decontaminate!.Benchmarks.Count);
    }

    [Theory]
    [InlineData("ded-s1k-math.yaml")]
    [InlineData("ded-codeforces.yaml")]
    [InlineData("ded-mixed.yaml")]
    public async Task RunWithoutTheKeyNamesTheVariable(string recipe)
    {
        Assert.Null(Environment.GetEnvironmentVariable("DED_TEACHER_API_KEY")); // the test needs it unset
        using var dir = new TempDir();
        var (code, _, err) = await SpineCli.RunCliAsync("run", Path.Combine(SharedData.RepoRoot, "recipes", recipe), "--out", dir.File("run"));
        Assert.Equal(2, code);
        Assert.Contains("api_key_env names DED_TEACHER_API_KEY, which is not set", err);
        Assert.False(Directory.Exists(dir.File("run")), "nothing is written before the inputs are checked");
    }

    [Theory]
    [InlineData("verifier: maths", "x.yaml:1: verifier names unknown verifier 'maths' (known: math, code, auto, lab) (did you mean 'math'?)")]
    [InlineData("verifier:\n  kind: math\n  float_rounding: -1", "x.yaml:3: verifier.float_rounding must be >= 0 (got -1)")]
    [InlineData("verifier:\n  kind: math\n  rounding: 3", "x.yaml:3: unknown key 'rounding' in verifier")]
    [InlineData("verifier:\n  judge:\n    base_url: http://x/v1", "x.yaml:3: verifier.judge.model is required")]
    [InlineData("questions:\n  sources:\n    - pool: {path: p.jsonl, preset: s1K-math}", "x.yaml:3: questions.sources[0].pool.preset unknown preset 's1K-math'")]
    [InlineData("questions:\n  sources:\n    - lab: {count: 1}\n  decontaminate: {ngram: 8}", "x.yaml:4: questions.decontaminate.benchmarks is required")]
    [InlineData("questions:\n  sources:\n    - lab: {count: 1}\n  dedup: {near_threshold: 2}", "x.yaml:4: questions.dedup.near_threshold must be <= 1 (got 2)")]
    public void BadKeysNameFileLineAndKey(string yaml, string expected)
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(yaml + "\nteachers:\n  - name: t\n    lab: oracle\n", "/tmp/x.yaml", LabExtension.Kinds));
        Assert.StartsWith(expected, e.Message);
    }
}
