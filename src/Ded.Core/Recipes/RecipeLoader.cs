using Ded.Data;
using Ded.Export;
using Ded.Filtering;
using Ded.Rollouts;
using Ded.Selection;
using Ded.Teachers;
using Ded.Teachers.Endpoints;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ded.Recipes;

/// <summary>Reads a recipe YAML file into a <see cref="Recipe"/>; the reference for every key is docs/recipes.md.</summary>
public static class RecipeLoader
{
    /// <summary>Loads and validates a recipe.</summary>
    /// <exception cref="RecipeException">Missing file, bad YAML, unknown key, wrong type or bad value.</exception>
    public static Recipe Load(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new RecipeException(full, 0, "", $"recipe file not found: {full}");
        return Parse(File.ReadAllText(full), full);
    }

    /// <summary>Parses recipe text; <paramref name="path"/> names it in errors and anchors relative paths.</summary>
    public static Recipe Parse(string yaml, string path)
    {
        var root = ReadRoot(yaml, path);
        var top = RecipeSection.Expect(path, root, "");
        var recipe = new Recipe
        {
            Name = top.String("name", null) ?? System.IO.Path.GetFileNameWithoutExtension(path),
            SourcePath = path,
            Questions = ReadQuestions(top, System.IO.Path.GetDirectoryName(path)!),
            Teachers = ReadTeachers(top),
            Student = ReadStudent(top.Section("student"), System.IO.Path.GetDirectoryName(path)!),
            Verifier = ReadVerifier(top),
            Tokenizer = ReadTokenizer(top, System.IO.Path.GetDirectoryName(path)!),
            Sampling = ReadSampling(top.Section("sampling")),
            MaxConcurrency = ReadRollouts(top.Section("rollouts")),
            Filters = ReadFilters(top.Section("filters")),
            Compression = ReadCompression(top.Section("compression")),
            Diversity = ReadDiversity(top.Section("diversity")),
            Export = ReadExport(top.Section("export")),
        };
        top.Done();
        return recipe;
    }

    private static YamlNode ReadRoot(string yaml, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new RecipeException(path, e.Start.Line, "", "is not valid YAML: " + e.Message);
        }
        if (stream.Documents.Count == 0)
            throw new RecipeException(path, 1, "", "is empty; see docs/recipes.md");
        return stream.Documents[0].RootNode;
    }

    private static QuestionsOptions ReadQuestions(RecipeSection top, string baseDir)
    {
        var section = top.Section("questions");
        if (section is null) return new QuestionsOptions();
        var items = section.List("sources") ?? throw new RecipeException(section.File, section.Line, section.KeyPath("sources"), "is required (a list of `lab:`, `jsonl:` or `pool:` sources)");
        var sources = new List<QuestionSource>();
        for (int i = 0; i < items.Count; i++)
        {
            var item = RecipeSection.Expect(section.File, items[i], $"{section.KeyPath("sources")}[{i}]");
            var lab = item.Section("lab");
            var jsonl = item.Section("jsonl");
            var pool = item.Section("pool");
            if (new[] { lab, jsonl, pool }.Count(x => x is not null) != 1)
                throw new RecipeException(item.File, item.Line, item.Path, "must have exactly one of `lab:`, `jsonl:` or `pool:`");
            sources.Add(lab is not null ? ReadLabPool(lab) : jsonl is not null ? ReadJsonl(jsonl, baseDir) : ReadPool(pool!, baseDir));
            item.Done();
        }
        var decontaminate = section.Section("decontaminate");
        var dedup = section.Section("dedup");
        var options = new QuestionsOptions
        {
            Sources = sources,
            Decontaminate = decontaminate is null ? null : ReadDecontaminate(decontaminate, baseDir),
            Dedup = dedup is null ? null : ReadDedup(dedup),
        };
        section.Done();
        return options;
    }

    /// <summary>A pool read through a preset, with any field overridden; the file is only read when the run starts.</summary>
    private static PoolSource ReadPool(RecipeSection s, string baseDir)
    {
        var presetName = s.String("preset", null);
        Data.Pools.PoolMapping mapping;
        try
        {
            mapping = presetName is null ? new Data.Pools.PoolMapping() : Data.Pools.PoolPresets.Get(presetName);
        }
        catch (ArgumentException)
        {
            throw new RecipeException(s.File, s.Node("preset")!.Start.Line, s.KeyPath("preset"),
                $"unknown preset '{presetName}' (known: {string.Join(", ", Data.Pools.PoolPresets.Names)})" + Hint(presetName!, Data.Pools.PoolPresets.Names));
        }
        mapping = mapping with
        {
            QuestionField = s.String("question", mapping.QuestionField)!,
            AnswerField = s.String("answer", mapping.AnswerField),
            IdField = s.String("id", mapping.IdField),
            TestsField = s.String("tests", mapping.TestsField),
            ShuffleSeed = s.Int("shuffle_seed", mapping.ShuffleSeed),
        };
        var isCode = mapping.Shape == Data.Pools.PoolShape.CodeTests;
        var source = new PoolSource
        {
            Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, s.RequiredString("path"))),
            Preset = presetName,
            Mapping = mapping,
            Domain = s.String("domain", isCode ? "code" : "math")!,
            Count = s.Has("count") ? s.Int("count", 0, 1) : null,
            Seed = s.Int("seed", 1),
        };
        s.Done();
        return source;
    }

    private static DecontaminationStep ReadDecontaminate(RecipeSection s, string baseDir)
    {
        var files = s.StringList("benchmarks");
        if (files is null || files.Count == 0)
            throw new RecipeException(s.File, s.Line, s.KeyPath("benchmarks"), "is required: a list of benchmark files (JSONL/JSON/Parquet) to decontaminate against");
        var full = files.Select(f => System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, f))).ToList();
        var step = new DecontaminationStep { Benchmarks = full, Ngram = s.Int("ngram", new DecontaminationStep { Benchmarks = [] }.Ngram, 1, 64) };
        s.Done();
        return step;
    }

    private static DedupStep ReadDedup(RecipeSection s)
    {
        var step = new DedupStep { NearThreshold = s.Double("near_threshold", new DedupStep().NearThreshold, 0.05, 1) };
        s.Done();
        return step;
    }

    /// <summary>`verifier: lab|math|code|auto`, or a mapping with `kind`, the math options and an optional `judge:` endpoint.</summary>
    private static Verification.VerifierSpec ReadVerifier(RecipeSection top)
    {
        var node = top.Node("verifier");
        var d = new Verification.VerifierSpec();
        if (node is null) return d;
        if (node is YamlScalarNode) return new Verification.VerifierSpec { Kind = top.Enum("verifier", d.Kind) };
        var s = top.Section("verifier")!;
        var judge = s.Section("judge");
        var spec = new Verification.VerifierSpec
        {
            Kind = s.Enum("kind", d.Kind),
            FloatRounding = s.Int("float_rounding", d.FloatRounding, 0, 15),
            Strict = s.Bool("strict", d.Strict),
            MathTimeout = s.Duration("timeout", d.MathTimeout),
            Judge = judge is null ? null : ReadEndpoint(judge),
        };
        s.Done();
        return spec;
    }

    /// <summary>`tokenizer: PATH`: a tokenizer.json, or a folder holding one (relative to the recipe).</summary>
    private static string? ReadTokenizer(RecipeSection top, string baseDir)
    {
        var path = top.String("tokenizer", null);
        if (path is null) return null;
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, path));
        return Directory.Exists(full) ? System.IO.Path.Combine(full, "tokenizer.json") : full;
    }

    private static LabPoolSource ReadLabPool(RecipeSection s)
    {
        var d = new LabPoolSource();
        var families = s.StringList("families");
        if (families is not null)
            foreach (var family in families)
                if (!Lab.LabWorld.Families.Contains(family))
                    throw new RecipeException(s.File, s.Node("families")!.Start.Line, s.KeyPath("families"),
                        $"has unknown family '{family}' (known: {string.Join(", ", Lab.LabWorld.Families)})" + Hint(family, Lab.LabWorld.Families));
        var pool = new LabPoolSource
        {
            Families = families,
            Count = s.Int("count", d.Count, 1, 1_000_000),
            MinDifficulty = s.Int("min_difficulty", d.MinDifficulty, 1),
            MaxDifficulty = s.Int("max_difficulty", d.MaxDifficulty, 1),
            Seed = s.Int("seed", d.Seed),
        };
        if (pool.MaxDifficulty < pool.MinDifficulty)
            throw new RecipeException(s.File, s.Line, s.KeyPath("max_difficulty"), $"must be >= min_difficulty {pool.MinDifficulty} (got {pool.MaxDifficulty})");
        s.Done();
        return pool;
    }

    private static JsonlSource ReadJsonl(RecipeSection s, string baseDir)
    {
        var d = new JsonlSource { Path = "" };
        var pathNode = s.Node("path");
        var path = s.RequiredString("path");
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, path));
        if (!File.Exists(full))
            throw new RecipeException(s.File, pathNode!.Start.Line, s.KeyPath("path"), $"file not found: {full}");
        var source = new JsonlSource
        {
            Path = full,
            IdField = s.String("id", d.IdField)!,
            QuestionField = s.String("question", d.QuestionField)!,
            AnswerField = s.String("answer", d.AnswerField)!,
            Domain = s.String("domain", d.Domain)!,
            FamilyField = s.String("family", d.FamilyField),
        };
        s.Done();
        return source;
    }

    private static IReadOnlyList<TeacherSpec> ReadTeachers(RecipeSection top)
    {
        var items = top.List("teachers");
        if (items is null || items.Count == 0)
            throw new RecipeException(top.File, top.Line, "teachers", "is required: a list of `- name: X` with `lab: NAME` or `endpoint: {...}`");
        var teachers = new List<TeacherSpec>();
        for (int i = 0; i < items.Count; i++)
        {
            var s = RecipeSection.Expect(top.File, items[i], $"teachers[{i}]");
            var teacher = ReadTeacher(s);
            if (teachers.Any(t => t.Name == teacher.Name))
                throw new RecipeException(s.File, s.Line, s.KeyPath("name"), $"'{teacher.Name}' is used twice; teacher names must be unique");
            teachers.Add(teacher);
        }
        return teachers;
    }

    private static TeacherSpec ReadTeacher(RecipeSection s)
    {
        var name = s.RequiredString("name");
        var lab = s.String("lab", null);
        var endpoint = s.Section("endpoint");
        if ((lab is null) == (endpoint is null))
            throw new RecipeException(s.File, s.Line, s.Path, "must have exactly one of `lab: NAME` or `endpoint: {...}`");
        if (lab is not null && !Lab.LabTeachers.Names.Contains(lab))
            throw new RecipeException(s.File, s.Node("lab")!.Start.Line, s.KeyPath("lab"),
                $"unknown lab teacher '{lab}' (known: {string.Join(", ", Lab.LabTeachers.Names)})" + Hint(lab, Lab.LabTeachers.Names));
        var spec = new TeacherSpec { Name = name, Lab = lab, Endpoint = endpoint is null ? null : ReadEndpoint(endpoint) };
        s.Done();
        return spec;
    }

    /// <summary>The endpoint block, keys as docs/endpoints.md lists them; `base_url` is a shorthand for one `base_urls` entry.</summary>
    private static EndpointOptions ReadEndpoint(RecipeSection s)
    {
        var d = new EndpointOptions();
        var single = s.String("base_url", null);
        var retry = s.Section("retry");
        var sampling = s.Section("sampling");
        var prices = s.Section("prices");
        var options = new EndpointOptions
        {
            BaseUrls = s.StringList("base_urls") ?? (single is null ? d.BaseUrls : [single]),
            Model = s.RequiredString("model"),
            ApiKeyEnv = s.String("api_key_env", d.ApiKeyEnv),
            MaxInFlight = s.Int("max_in_flight", d.MaxInFlight, 1),
            RequestsPerMinute = s.Has("requests_per_minute") ? s.Int("requests_per_minute", 0, 1) : d.RequestsPerMinute,
            TokensPerMinute = s.Has("tokens_per_minute") ? s.Int("tokens_per_minute", 0, 1) : d.TokensPerMinute,
            ConnectTimeout = s.Duration("connect_timeout", d.ConnectTimeout),
            AttemptTimeout = s.Duration("attempt_timeout", d.AttemptTimeout),
            Stream = s.Bool("stream", d.Stream),
            MaxTokensField = s.String("max_tokens_field", d.MaxTokensField)!,
            Retry = retry is null ? d.Retry : ReadRetry(retry),
            Sampling = sampling is null ? d.Sampling : ReadEndpointSampling(sampling),
            Prices = prices is null ? d.Prices : ReadPrices(prices),
        };
        s.Done();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new RecipeException(s.File, s.Line, "", e.Message);
        }
        return options;
    }

    private static EndpointRetryOptions ReadRetry(RecipeSection s)
    {
        var d = new EndpointRetryOptions();
        var retry = new EndpointRetryOptions
        {
            MaxAttempts = s.Int("max_attempts", d.MaxAttempts, 1),
            BaseDelay = s.Duration("base_delay", d.BaseDelay),
            MaxDelay = s.Duration("max_delay", d.MaxDelay),
            UseJitter = s.Bool("use_jitter", d.UseJitter),
            JitterSeed = s.Int("jitter_seed", d.JitterSeed),
        };
        s.Done();
        return retry;
    }

    private static EndpointSamplingOptions ReadEndpointSampling(RecipeSection s)
    {
        var d = new EndpointSamplingOptions();
        var kwargs = s.Section("chat_template_kwargs");
        var sampling = new EndpointSamplingOptions
        {
            TopK = s.Has("top_k") ? s.Int("top_k", 0, 0) : d.TopK,
            MinP = s.Has("min_p") ? s.Double("min_p", 0, 0, 1) : d.MinP,
            Stop = s.StringList("stop") ?? d.Stop,
            ChatTemplateKwargs = kwargs is null ? d.ChatTemplateKwargs : kwargs.Scalars(),
        };
        s.Done();
        return sampling;
    }

    private static EndpointPrices ReadPrices(RecipeSection s)
    {
        var prices = new EndpointPrices
        {
            InputPerMillion = (decimal)s.Double("input_per_million", 0, 0, 1e6),
            OutputPerMillion = (decimal)s.Double("output_per_million", 0, 0, 1e6),
        };
        s.Done();
        return prices;
    }

    /// <summary>`lab: NAME` (optionally `checkpoint: DIR`, relative to the recipe) or `endpoint: {...}` (keys as a teacher's).</summary>
    private static StudentSpec ReadStudent(RecipeSection? s, string baseDir)
    {
        if (s is null) return new StudentSpec();
        var endpoint = s.Section("endpoint");
        if (endpoint is not null && (s.Has("lab") || s.Has("checkpoint")))
            throw new RecipeException(s.File, s.Node(s.Has("lab") ? "lab" : "checkpoint")!.Start.Line, s.KeyPath(s.Has("lab") ? "lab" : "checkpoint"),
                "a student is either `lab: NAME` (with an optional `checkpoint: DIR`) or `endpoint: {...}`, not both: remove one");
        if (endpoint?.Node("stream") is { } stream && endpoint.Bool("stream", false))
            throw new RecipeException(s.File, stream.Start.Line, endpoint.KeyPath("stream"),
                "must be false: a served student returns its k samples as the n choices of one response, which streaming assembles into one");
        var checkpoint = s.String("checkpoint", null);
        var spec = new StudentSpec
        {
            Lab = s.String("lab", new StudentSpec().Lab)!,
            Checkpoint = checkpoint is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, checkpoint)),
            Endpoint = endpoint is null ? null : ReadEndpoint(endpoint),
        };
        s.Done();
        return spec;
    }

    private static SamplingSettings ReadSampling(RecipeSection? s)
    {
        var d = new SamplingSettings();
        if (s is null) return d;
        var sampling = new SamplingSettings
        {
            SamplesPerQuestion = s.Int("samples_per_question", d.SamplesPerQuestion, 1, 1024),
            Temperature = s.Double("temperature", d.Temperature, 0, 5),
            TopP = s.Double("top_p", d.TopP, 0, 1),
            MaxTokens = s.Int("max_tokens", d.MaxTokens, 1),
            Seed = s.Long("seed", d.Seed),
        };
        s.Done();
        return sampling;
    }

    private static int ReadRollouts(RecipeSection? s)
    {
        if (s is null) return Recipe.DefaultMaxConcurrency;
        var value = s.Int("max_concurrency", Recipe.DefaultMaxConcurrency, 1, 1024);
        s.Done();
        return value;
    }

    private static FilterOptions ReadFilters(RecipeSection? s)
    {
        var d = new FilterOptions();
        if (s is null) return d;
        var filters = new FilterOptions
        {
            MaxLength = s.Int("max_length", d.MaxLength, 1),
            LengthUnit = s.Enum("length_unit", d.LengthUnit),
            RequireThinkPairing = s.Bool("think_pairing", d.RequireThinkPairing),
            RequireCorrect = s.Bool("correctness", d.RequireCorrect),
            DropTruncated = s.Bool("drop_truncated", d.DropTruncated),
        };
        s.Done();
        return filters;
    }

    private static CompressionOptions ReadCompression(RecipeSection? s)
    {
        var d = new CompressionOptions();
        if (s is null) return d;
        var options = new CompressionOptions
        {
            Enabled = s.Bool("enabled", d.Enabled),
            K = s.Int("k", d.K, 1, 1024),
            Threshold = s.Double("threshold", d.Threshold, 0, 1),
        };
        s.Done();
        return options;
    }

    private static DiversityOptions ReadDiversity(RecipeSection? s)
    {
        var d = new DiversityOptions();
        if (s is null) return d;
        var options = new DiversityOptions
        {
            P = s.Int("p", d.P, 1, 1024),
            Distance = s.Enum("distance", d.Distance),
            Strategy = s.Enum("strategy", d.Strategy),
            Seed = s.Long("seed", d.Seed),
        };
        s.Done();
        return options;
    }

    private static ExportOptions ReadExport(RecipeSection? s)
    {
        var d = new ExportOptions();
        if (s is null) return d;
        var formatNodes = s.List("formats");
        var options = new ExportOptions
        {
            Formats = formatNodes?.Select((n, i) => s.ParseEnum<ExportFormat>(n, $"formats[{i}]")).Distinct().ToList() ?? d.Formats,
            DatasetName = s.String("dataset_name", d.DatasetName)!,
            System = s.String("system", d.System),
        };
        s.Done();
        return options;
    }

    private static string Hint(string word, IEnumerable<string> candidates) =>
        RecipeSection.Suggest(word, candidates) is { } hint ? $" (did you mean '{hint}'?)" : "";
}
