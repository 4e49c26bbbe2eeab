using Ded.Export;
using Ded.Filtering;
using Ded.Recipes;
using Ded.Selection;
using Ded.Tests.Support;
using Xunit;

namespace Ded.Tests.Spine;

public class RecipeTests
{
    private const string Minimal = "teachers:\n  - name: oracle\n    lab: oracle\n";
    private const string LabQuestions = "questions:\n  sources:\n    - lab: { count: 2 }\n";

    [Fact]
    public void LabRecipeBindsEveryKey()
    {
        var recipe = RecipeLoader.Load(Path.Combine(SharedData.RepoRoot, "recipes", "lab.yaml"), LabExtension.Kinds);
        Assert.Equal("lab", recipe.Name);
        Assert.Equal(["oracle", "careful", "granular", "terse", "verbose", "explorer", "answer-first", "sloppy"], recipe.Teachers.Cast<LabTeacherSpec>().Select(t => t.Lab));
        Assert.Equal(8, recipe.Sampling.SamplesPerQuestion);
        Assert.Equal(0.7, recipe.Sampling.Temperature);
        Assert.Equal(TextUnit.Chars, recipe.Filters.LengthUnit);
        Assert.Equal(4000, recipe.Filters.MaxLength);
        Assert.Equal(4, recipe.Diversity.P);
        Assert.Equal(SelectionStrategy.Farthest, recipe.Diversity.Strategy);
        Assert.Equal([ExportFormat.LlamaFactory, ExportFormat.Trl, ExportFormat.Parquet], recipe.Export.Formats);
        var pool = Assert.IsType<LabPoolSource>(Assert.Single(recipe.Questions.Sources));
        Assert.Equal(200, pool.Count);
    }

    [Fact]
    public void DefaultsApplyWhenSectionsAreAbsent()
    {
        var recipe = RecipeLoader.Parse(Minimal + LabQuestions, "/tmp/min.yaml", LabExtension.Kinds);
        Assert.Equal("min", recipe.Name);
        Assert.Equal(new Rollouts.SamplingSettings(), recipe.Sampling);
        Assert.Equal(new FilterOptions(), recipe.Filters);
        Assert.Equal(new DiversityOptions(), recipe.Diversity);
        Assert.Equal(8, recipe.MaxConcurrency);
    }

    // Each row: a recipe body and the exact message it must fail with (file:line: key.path message).
    public static TheoryData<string, string, string> BrokenRecipes => new()
    {
        { "typo in a key", Minimal + "sampling:\n  temprature: 0.6\n", "bad.yaml:5: unknown key 'temprature' in sampling (did you mean 'temperature'?)" },
        { "out of range", Minimal + "diversity:\n  p: 0\n", "bad.yaml:5: diversity.p must be >= 1 (got 0)" },
        { "wrong type", Minimal + "sampling:\n  temperature: hot\n", "bad.yaml:5: sampling.temperature must be a number (got 'hot')" },
        { "bad enum", Minimal + "filters:\n  length_unit: char\n", "bad.yaml:5: filters.length_unit must be one of chars, tokens (got 'char') (did you mean 'chars'?)" },
        { "top-level typo", Minimal + "sampeling:\n  seed: 1\n", "bad.yaml:4: unknown key 'sampeling' in the recipe (did you mean 'sampling'?)" },
        { "bool", Minimal + "filters:\n  think_pairing: yes please\n", "bad.yaml:5: filters.think_pairing must be true or false (got 'yes please')" },
        { "no teachers", "sampling:\n  seed: 1\n", "bad.yaml:1: teachers is required: a list of `- name: X` with `lab: NAME`, `endpoint: {...}` or `recorded: { path, question_field, response_field }`" },
        { "unknown lab teacher", "teachers:\n  - name: o\n    lab: oracel\n", "bad.yaml:3: teachers[0].lab unknown lab teacher 'oracel' (known: oracle, careful, granular, terse, verbose, explorer, answer-first, sloppy) (did you mean 'oracle'?)" },
        { "missing jsonl", Minimal + "questions:\n  sources:\n    - jsonl:\n        path: nowhere.jsonl\n", "bad.yaml:7: questions.sources[0].jsonl.path file not found: /tmp/ded-recipes/nowhere.jsonl" },
        { "export format", Minimal + "export:\n  formats: [llamafactory, tlr]\n", "bad.yaml:5: export.formats[1] must be one of llamafactory, trl, parquet (got 'tlr') (did you mean 'trl'?)" },
        { "not yaml", "teachers: [\n", "bad.yaml:1: is not valid YAML: opens a `[` list that is never closed with `]`" },
        { "endpoint typo", "teachers:\n  - name: q\n    endpoint:\n      model: m\n      max_inflight: 4\n", "bad.yaml:5: unknown key 'max_inflight' in teachers[0].endpoint (did you mean 'max_in_flight'?)" },
        { "endpoint duration", "teachers:\n  - name: q\n    endpoint:\n      model: m\n      attempt_timeout: soon\n", "bad.yaml:5: teachers[0].endpoint.attempt_timeout must be a duration like 00:00:10 or a number of seconds (got 'soon')" },
        { "endpoint invalid", "teachers:\n  - name: q\n    endpoint:\n      model: m\n      base_urls: [ftp://x]\n", "bad.yaml:5: teachers[0].endpoint.base_urls: 'ftp://x' is not an http(s) URL" },
    };

    [Theory]
    [MemberData(nameof(BrokenRecipes))]
    public void BrokenRecipeNamesFileLineAndKey(string name, string yaml, string expected)
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(yaml, "/tmp/ded-recipes/bad.yaml", LabExtension.Kinds));
        Assert.Equal((name, expected), (name, e.Message));
    }

    [Fact]
    public void ALabCountItsFamiliesCannotFillNamesTheCountsLine()
    {
        // Issue 16: such a count failed after 26 s with no file or line; now it fails at once, at `count`.
        var yaml = Minimal + "questions:\n  sources:\n    - lab:\n        families: [linear]\n        max_difficulty: 2\n        count: 1000000\n";
        var source = RecipeLoader.Parse(yaml, "/tmp/ded-recipes/big.yaml", LabExtension.Kinds).Questions.Sources[0];
        var e = Assert.Throws<RecipeException>(source.Load);
        Assert.Matches(@"^big\.yaml:9: questions\.sources\[0\]\.lab\.count the lab has only [\d,]+ distinct problems in linear at difficulty 1\.\.2, not 1,000,000", e.Message);
    }

    [Fact]
    public void MissingRecipeFileIsARecipeError()
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Load("/tmp/ded-no-such-dir/x.yaml", LabExtension.Kinds));
        Assert.Equal("x.yaml: recipe file not found: /tmp/ded-no-such-dir/x.yaml", e.Message);
        e = Assert.Throws<RecipeException>(() => RecipeLoader.Load("/tmp", LabExtension.Kinds));
        Assert.Equal("tmp: is a folder: name the recipe YAML file in it (/tmp)", e.Message);
    }

    [Fact]
    public void EndpointBlockBindsToTheEndpointOptions()
    {
        const string yaml = """
            teachers:
              - name: qwq
                endpoint:
                  base_urls: [http://gpu-1:8000/v1, http://gpu-2:8000/v1]
                  model: Qwen/QwQ-32B
                  api_key_env: DED_KEY
                  max_in_flight: 16
                  requests_per_minute: 600
                  attempt_timeout: 00:10:00
                  connect_timeout: 5
                  stream: true
                  retry: { max_attempts: 3, base_delay: 2 }
                  sampling: { top_k: 20, stop: ["</answer>"], chat_template_kwargs: { enable_thinking: true } }
                  prices: { input_per_million: 0.4, output_per_million: 1.6 }
              - name: local
                endpoint: { base_url: "http://127.0.0.1:8000/v1", model: tiny }
            """;
        var teachers = RecipeLoader.Parse(yaml + "\n" + LabQuestions, "/tmp/e.yaml", LabExtension.Kinds).Teachers;
        var e = ((EndpointTeacherSpec)teachers[0]).Endpoint;
        Assert.Equal(["http://gpu-1:8000/v1", "http://gpu-2:8000/v1"], e.BaseUrls);
        Assert.Equal(("Qwen/QwQ-32B", "DED_KEY", 16, 600, (int?)null), (e.Model, e.ApiKeyEnv, e.MaxInFlight, e.RequestsPerMinute, e.TokensPerMinute));
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5), true), (e.AttemptTimeout, e.ConnectTimeout, e.Stream));
        Assert.Equal((3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60)), (e.Retry.MaxAttempts, e.Retry.BaseDelay, e.Retry.MaxDelay));
        Assert.Equal((20, (double?)null), (e.Sampling.TopK, e.Sampling.MinP));
        Assert.Equal(["</answer>"], e.Sampling.Stop);
        Assert.Equal(true, e.Sampling.ChatTemplateKwargs["enable_thinking"]);
        Assert.Equal((0.4m, 1.6m), (e.Prices.InputPerMillion, e.Prices.OutputPerMillion));
        Assert.Equal("Qwen/QwQ-32B", teachers[0].ModelId);
        Assert.Equal(["http://127.0.0.1:8000/v1"], ((EndpointTeacherSpec)teachers[1]).Endpoint.BaseUrls);
        Assert.Null(((EndpointTeacherSpec)teachers[1]).Endpoint.ApiKeyEnv);
    }

    [Fact]
    public void ARunKeepsTheResolvedRecipeAndReadsItBack()
    {
        const string yaml = "name: snap\nteachers:\n  - name: q\n    endpoint: { base_url: 'http://127.0.0.1:8000/v1', model: m, attempt_timeout: 60, sampling: { chat_template_kwargs: { enable_thinking: true } } }\ndiversity:\n  strategy: random\n  p: 3\n" + LabQuestions;
        using var dir = new TempDir();
        var recipe = RecipeLoader.Parse(yaml, dir.File("snap.yaml"), LabExtension.Kinds);
        using (var store = Runs.RunStore.Open(dir.Path))
            store.SnapshotRecipe(recipe, yaml);
        using var reopened = Runs.RunStore.OpenExisting(dir.Path);
        var back = reopened.Recipe(LabExtension.Kinds);
        Assert.Equal(("snap", SelectionStrategy.Random, 3), (back.Name, back.Diversity.Strategy, back.Diversity.P));
        Assert.Equal((TimeSpan.FromSeconds(60), "m"), (((EndpointTeacherSpec)back.Teachers[0]).Endpoint.AttemptTimeout, back.Teachers[0].ModelId));
        Assert.Equal(recipe.Sampling, back.Sampling);
        reopened.SnapshotRecipe(recipe, yaml); // the same recipe again is accepted
    }
}
