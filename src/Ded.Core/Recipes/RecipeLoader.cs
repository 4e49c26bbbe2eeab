using Ded.Data;
using Ded.Export;
using Ded.Filtering;
using Ded.Rollouts;
using Ded.Selection;
using Ded.Teachers;
using Ded.Teachers.Endpoints;
using Ded.Training;
using Ded.Verification;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ded.Recipes;

/// <summary>
/// Reads a recipe YAML file into a <see cref="Recipe"/>; the reference for every key is docs/recipes.md. The kinds a
/// client adds (the lab's `lab:` sources, teachers, student and verifier) come in as <see cref="RecipeExtensions"/>.
/// </summary>
public static partial class RecipeLoader
{
    /// <summary>Loads and validates a recipe.</summary>
    /// <exception cref="RecipeException">Missing file, bad YAML, unknown key, wrong type or bad value.</exception>
    public static Recipe Load(string path, RecipeExtensions? extensions = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new RecipeException(full, 0, "", Directory.Exists(full) ? $"is a folder: name the recipe YAML file in it ({full})" : $"recipe file not found: {full}");
        return Parse(ReadText(full), full, extensions);
    }

    /// <summary>A recipe's (or any input's) text, strictly UTF-8; unreadable or invalid bytes fail as `file:line: ...`.</summary>
    /// <exception cref="RecipeException">The file cannot be read or is not UTF-8.</exception>
    public static string ReadText(string path)
    {
        try
        {
            return Utf8Text.ReadAll(path);
        }
        catch (InvalidUtf8Exception e)
        {
            throw new RecipeException(path, e.Line, "", e.Problem);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RecipeException(path, 0, "", $"cannot be read: {e.Message}");
        }
    }

    /// <summary>Parses recipe text; <paramref name="path"/> names it in errors and anchors relative paths.</summary>
    /// <exception cref="RecipeException">Bad YAML, unknown key, wrong type or bad value; a verifier or student missing.</exception>
    public static Recipe Parse(string yaml, string path, RecipeExtensions? extensions = null)
    {
        extensions ??= RecipeExtensions.None;
        var root = ReadRoot(yaml, path);
        var top = RecipeSection.Expect(path, root, "");
        var baseDir = System.IO.Path.GetDirectoryName(path)!;
        var (questions, sources) = ReadQuestions(top, baseDir, extensions);
        var recipe = new Recipe
        {
            Name = top.PlainName("name", null) ?? System.IO.Path.GetFileNameWithoutExtension(path),
            SourcePath = path,
            Questions = questions,
            Teachers = ReadTeachers(top, baseDir, extensions),
            Student = ReadStudent(top.Section("student"), baseDir, extensions),
            Verifier = ReadVerifier(top, extensions),
            Tokenizer = ReadTokenizer(top, baseDir),
            Sampling = ReadSampling(top.Section("sampling")),
            MaxConcurrency = ReadRollouts(top.Section("rollouts")),
            Filters = ReadFilters(top.Section("filters")),
            Compression = ReadCompression(top.Section("compression")),
            Diversity = ReadDiversity(top.Section("diversity")),
            Export = ReadExport(top.Section("export")),
            SelectTeacher = ReadSelectTeacher(top, baseDir, extensions),
            Extensions = extensions,
        };
        top.Done();
        CheckCandidates(recipe, top);
        // Checked once every key has been read, so a typo elsewhere is reported as itself rather than as a missing part.
        if (sources.Count == 0)
            throw new RecipeException(path, top.Line, "questions", $"is required: `questions: {{ sources: [...] }}` with {SourceKinds(extensions)} sources");
        if (recipe.Verifier.Kind.Length == 0)
            recipe = recipe with { Verifier = recipe.Verifier with { Kind = ImpliedVerifier(top, sources, Verifiers.Names(extensions)) } };
        if (recipe.Compression.Enabled && recipe.Student is null)
            throw new RecipeException(path, top.Section("compression")!.Node("enabled")!.Start.Line, "compression.enabled",
                "needs a student to ask: add `student: { endpoint: {...} }` (a served student; docs/recipes.md) or set it false");
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
            var (line, what) = YamlProblems.Find(yaml, e.Message, e.Start.Line) ?? (e.Start.Line, e.Message);
            throw new RecipeException(path, line, "", "is not valid YAML: " + what);
        }
        catch (InvalidOperationException)
        {
            // why: YamlDotNet 18 throws this, without a position, for a flow list or mapping left open at the end.
            var (line, what) = YamlProblems.Find(yaml, null, null) ?? (1, "it ends inside an unfinished list or mapping");
            throw new RecipeException(path, line, "", "is not valid YAML: " + what);
        }
        if (stream.Documents.Count == 0)
            throw new RecipeException(path, 1, "", "is empty; see docs/recipes.md");
        return stream.Documents[0].RootNode;
    }

    /// <summary>The sources in recipe order, each with the section it was read from (for errors about it).</summary>
    private static (QuestionsOptions, IReadOnlyList<(QuestionSource Source, RecipeSection Item)>) ReadQuestions(
        RecipeSection top, string baseDir, RecipeExtensions extensions)
    {
        var names = SourceKinds(extensions);
        var section = top.Section("questions");
        if (section is null) return (new QuestionsOptions(), []); // reported once the rest is read
        var items = section.NonEmptyList("sources", $"list at least one {names} source")
            ?? throw new RecipeException(section.File, section.Line, section.KeyPath("sources"), $"is required (a list of {names} sources)");
        var sources = new List<(QuestionSource, RecipeSection)>();
        for (int i = 0; i < items.Count; i++)
        {
            var item = RecipeSection.Expect(section.File, items[i], $"{section.KeyPath("sources")}[{i}]");
            sources.Add((ReadSource(item, baseDir, extensions), item));
            item.Done();
        }
        var decontaminate = section.Section("decontaminate");
        var dedup = section.Section("dedup");
        var options = new QuestionsOptions
        {
            Sources = sources.Select(s => s.Item1).ToList(),
            Decontaminate = decontaminate is null ? null : ReadDecontaminate(decontaminate, baseDir),
            Dedup = dedup is null ? null : ReadDedup(dedup),
        };
        section.Done();
        return (options, sources);
    }

    /// <summary>The one source kind an item holds (`lab:`, `jsonl:`, `pool:`, ...); the caller ends the item.</summary>
    private static QuestionSource ReadSource(RecipeSection item, string baseDir, RecipeExtensions extensions)
    {
        var kinds = extensions.Sources.Select(k => (k.Key, Read: (Func<RecipeSection, QuestionSource>)(s => k.Read(s, baseDir))))
            .Append(("jsonl", s => ReadJsonl(s, baseDir))).Append(("pool", s => ReadPool(s, baseDir))).ToList();
        var present = kinds.Select(k => (k.Read, Section: item.Section(k.Key))).Where(k => k.Section is not null).ToList();
        if (present.Count != 1)
            throw new RecipeException(item.File, item.Line, item.Path, $"must have exactly one of {SourceKinds(extensions)}");
        return present[0].Read(present[0].Section!);
    }

    private static string SourceKinds(RecipeExtensions extensions) =>
        OneOf([.. extensions.Sources.Select(k => $"`{k.Key}:`"), "`jsonl:`", "`pool:`"]);

    /// <summary>"`a`, `b` or `c`".</summary>
    private static string OneOf(IReadOnlyList<string> items) =>
        items.Count == 1 ? items[0] : string.Join(", ", items.Take(items.Count - 1)) + " or " + items[^1];

    private static readonly string[] Domains = ["math", "code", "general"];

    /// <summary>A source's `domain:`, one of <see cref="Domains"/>; <paramref name="fallback"/> when absent.</summary>
    private static string? ReadDomain(RecipeSection s, string? fallback)
    {
        var domain = s.String("domain", fallback);
        if (domain is null || Domains.Contains(domain)) return domain;
        throw s.Unknown("domain", "has unknown domain", domain, Domains);
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
                $"unknown preset '{presetName}' (known: {string.Join(", ", Data.Pools.PoolPresets.Names)})" + RecipeSection.Hint(presetName!, Data.Pools.PoolPresets.Names));
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
            Path = ReadPoolPath(s, s.Node("path"), "path", s.RequiredString("path"), baseDir),
            Preset = presetName,
            Mapping = mapping,
            Domain = ReadDomain(s, isCode ? "code" : presetName is null ? null : "math"), // a preset says what its pool holds
            Count = s.Has("count") ? s.Int("count", 0, 1) : null,
            Seed = s.Int("seed", 1),
        };
        s.Done();
        return source;
    }

    /// <summary>A pool or benchmark file: its full path, in a format the pool reader reads (the file itself is read when the run starts).</summary>
    private static string ReadPoolPath(RecipeSection s, YamlNode? at, string key, string path, string baseDir)
    {
        if (!Data.Pools.PoolRecordReader.CanRead(path))
            throw s.Error(at!, key, $"must name a {Data.Pools.PoolRecordReader.FormatNames} file (got '{path}')");
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, path));
    }

    private static DecontaminationStep ReadDecontaminate(RecipeSection s, string baseDir)
    {
        const string what = "a list of benchmark files (JSONL/JSON/Parquet) to decontaminate against";
        s.NonEmptyList("benchmarks", what);
        var files = s.StringList("benchmarks")
            ?? throw new RecipeException(s.File, s.Line, s.KeyPath("benchmarks"), "is required: " + what);
        var full = files.Select((f, i) => ReadPoolPath(s, s.List("benchmarks")![i], $"benchmarks[{i}]", f, baseDir)).ToList();
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

    /// <summary>
    /// `verifier: NAME`, or a mapping with `kind`, the math options and an optional `judge:` endpoint. Without a kind
    /// the sources' declared domains decide (math, code, both: auto, the lab's: lab); a source that declares none makes
    /// the recipe name one, so no recipe is ever graded by rules nobody chose.
    /// </summary>
    /// <returns>The spec; its kind is "" when the recipe names none (<see cref="ImpliedVerifier"/> fills it in).</returns>
    private static VerifierSpec ReadVerifier(RecipeSection top, RecipeExtensions extensions)
    {
        var names = Verifiers.Names(extensions);
        if (top.Node("verifier") is YamlScalarNode)
            return new VerifierSpec { Kind = VerifierKind(top, "verifier", names) ?? "" };
        var s = top.Section("verifier");
        if (s is null) return new VerifierSpec { Kind = "" };
        var d = new VerifierSpec { Kind = "" };
        var judge = s.Section("judge");
        var spec = new VerifierSpec
        {
            Kind = VerifierKind(s, "kind", names) ?? "",
            FloatRounding = s.Int("float_rounding", d.FloatRounding, 0, 15),
            Strict = s.Bool("strict", d.Strict),
            MathTimeout = s.Duration("timeout", d.MathTimeout, ShortestTimeout, LongestDuration),
            Judge = judge is null ? null : ReadEndpoint(judge),
        };
        s.Done();
        return spec;
    }

    private static string? VerifierKind(RecipeSection s, string key, IReadOnlyList<string> names)
    {
        var kind = s.String(key, null);
        if (kind is null || names.Contains(kind)) return kind;
        throw s.Unknown(key, "names unknown verifier", kind, names);
    }

    private static string ImpliedVerifier(RecipeSection top, IReadOnlyList<(QuestionSource Source, RecipeSection Item)> sources, IReadOnlyList<string> names)
    {
        var named = $"name one (verifier: {string.Join("|", names)})";
        if (sources.FirstOrDefault(s => s.Source.Verifier is null) is { Item: { } silent })
            throw new RecipeException(top.File, silent.Line, "verifier",
                $"is required: {silent.Path} declares no domain with a rule verifier, so nothing says how its answers are checked; {named} or set the source's `domain: math|code`");
        var kinds = sources.Select(s => s.Source.Verifier!).Distinct().ToList();
        if (kinds.Count == 1) return kinds[0];
        if (kinds.Order().SequenceEqual([VerifierSpec.Code, VerifierSpec.Math])) return VerifierSpec.Auto;
        throw new RecipeException(top.File, top.Line, "verifier", $"is required: the sources need different verifiers ({string.Join(", ", kinds)}); {named}");
    }

    /// <summary>`tokenizer: PATH`: a tokenizer.json, or a folder holding one (relative to the recipe).</summary>
    private static string? ReadTokenizer(RecipeSection top, string baseDir)
    {
        var path = top.String("tokenizer", null);
        if (path is null) return null;
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, path));
        return Directory.Exists(full) ? System.IO.Path.Combine(full, "tokenizer.json") : full;
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
            Domain = ReadDomain(s, null),
            FamilyField = s.String("family", d.FamilyField),
        };
        s.Done();
        return source;
    }

    private static IReadOnlyList<TeacherSpec> ReadTeachers(RecipeSection top, string baseDir, RecipeExtensions extensions) =>
        ReadTeacherList(top, "teachers", baseDir, extensions, required: true);

    /// <summary>A list of teachers under <paramref name="key"/> (the recipe's, or the smoke test's extra candidates).</summary>
    private static List<TeacherSpec> ReadTeacherList(RecipeSection parent, string key, string baseDir, RecipeExtensions extensions, bool required)
    {
        var recorded = new Teachers.Recorded.RecordedTeacherKind();
        var kinds = extensions.Teachers.Select(k => (k.Key, k.Usage, Read: (Func<string, RecipeSection, TeacherSpec>)((name, s) => k.Read(name, s, baseDir))))
            .Append(("endpoint", "`endpoint: {...}`", (name, s) => new EndpointTeacherSpec { Name = name, Endpoint = ReadEndpoint(s.Section("endpoint")!) }))
            .Append((recorded.Key, recorded.Usage, (name, s) => recorded.Read(name, s, baseDir)))
            .ToList();
        var usage = OneOf(kinds.Select(k => k.Usage).ToList());
        var items = parent.NonEmptyList(key, $"list at least one `- name: X` with {usage}");
        if (required && items is null)
            throw new RecipeException(parent.File, parent.Line, parent.KeyPath(key), $"is required: a list of `- name: X` with {usage}");
        var teachers = new List<TeacherSpec>();
        for (int i = 0; i < (items?.Count ?? 0); i++)
        {
            var s = RecipeSection.Expect(parent.File, items![i], $"{parent.KeyPath(key)}[{i}]");
            s.RequiredString("name");
            var name = s.PlainName("name", null)!;
            var present = kinds.Where(k => s.Has(k.Key)).ToList();
            if (present.Count != 1)
                throw new RecipeException(s.File, s.Line, s.Path, $"must have exactly one of {usage}");
            var teacher = present[0].Read(name, s);
            s.Done();
            if (teachers.Any(t => t.Name == teacher.Name))
                throw new RecipeException(s.File, s.Line, s.KeyPath("name"), $"'{teacher.Name}' is used twice; teacher names must be unique");
            teachers.Add(teacher);
        }
        return teachers;
    }

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
            ApiKeyEnv = ReadKeyVariable(s),
            MaxInFlight = s.Int("max_in_flight", d.MaxInFlight, 1),
            RequestsPerMinute = s.Has("requests_per_minute") ? s.Int("requests_per_minute", 0, 1) : d.RequestsPerMinute,
            TokensPerMinute = s.Has("tokens_per_minute") ? s.Int("tokens_per_minute", 0, 1) : d.TokensPerMinute,
            ConnectTimeout = s.Duration("connect_timeout", d.ConnectTimeout, ShortestTimeout, LongestDuration),
            AttemptTimeout = s.Duration("attempt_timeout", d.AttemptTimeout, ShortestTimeout, LongestDuration),
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
            // The message names its field as `endpoint.FIELD`: report it at that key's line, under this block's path.
            var field = System.Text.RegularExpressions.Regex.Match(e.Message, @"^endpoint\.([a-z_]+)");
            var node = field.Success ? s.Node(field.Groups[1].Value) : null;
            throw new RecipeException(s.File, node?.Start.Line ?? s.Line, "", s.Path + e.Message["endpoint".Length..]);
        }
        return options;
    }

    // why: a timeout under 10 ms fails every request, and over a day is a typo (TimeSpan itself overflows at 1e12 s and up).
    private static readonly TimeSpan ShortestTimeout = TimeSpan.FromMilliseconds(10), LongestDuration = TimeSpan.FromHours(24);

    /// <summary>`api_key_env`: the name of a variable. A value that is no variable name is refused without echoing it (it may be the key).</summary>
    private static string? ReadKeyVariable(RecipeSection s)
    {
        var name = s.String("api_key_env", null);
        if (name is null || (name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            return name;
        throw s.Error(s.Node("api_key_env")!, "api_key_env",
            "must be the name of the environment variable holding the key (letters, digits and _), not the key itself; the value is not shown here");
    }

    /// <summary>`stop`: stop sequences, none of them empty (engines reject an empty one with HTTP 400).</summary>
    private static IReadOnlyList<string>? ReadStops(RecipeSection s)
    {
        var stops = s.StringList("stop");
        for (int i = 0; i < (stops?.Count ?? 0); i++)
            if (stops![i].Length == 0)
                throw s.Error(s.List("stop")![i], $"stop[{i}]", "is empty; a stop sequence needs at least one character");
        return stops;
    }

    private static EndpointRetryOptions ReadRetry(RecipeSection s)
    {
        var d = new EndpointRetryOptions();
        var retry = new EndpointRetryOptions
        {
            MaxAttempts = s.Int("max_attempts", d.MaxAttempts, 1),
            BaseDelay = s.Duration("base_delay", d.BaseDelay, TimeSpan.Zero, LongestDuration),
            MaxDelay = s.Duration("max_delay", d.MaxDelay, TimeSpan.Zero, LongestDuration),
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
            Stop = ReadStops(s) ?? d.Stop,
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

    /// <summary>`endpoint: {...}` (keys as a teacher's, with `system` and `chat_template`) or a client's kind (the lab's `lab: NAME`).</summary>
    private static StudentSpec? ReadStudent(RecipeSection? s, string baseDir, RecipeExtensions extensions)
    {
        if (s is null) return null;
        var kinds = extensions.Students.Select(k => (Keys: (IReadOnlyList<string>)[k.Key, .. k.OtherKeys], k.Usage, Read: (Func<RecipeSection, StudentSpec>)(x => k.Read(x, baseDir))))
            .Prepend((["endpoint"], "`endpoint: {...}`", ReadEndpointStudent)).ToList();
        var present = kinds.Where(k => k.Keys.Any(s.Has)).ToList();
        var usage = OneOf([.. kinds.Skip(1).Select(k => k.Usage), kinds[0].Usage]);
        if (present.Count == 0)
            throw new RecipeException(s.File, s.Line, s.Path, $"must name a student: {usage}");
        if (present.Count > 1)
        {
            var key = present[1].Keys.First(s.Has);
            throw new RecipeException(s.File, s.Node(key)!.Start.Line, s.KeyPath(key), $"a student is either {usage}, not both: remove one");
        }
        var spec = present[0].Read(s);
        s.Done();
        return spec;
    }

    private static EndpointStudentSpec ReadEndpointStudent(RecipeSection s)
    {
        var endpoint = s.Section("endpoint")!;
        if (endpoint.Node("stream") is { } stream && endpoint.Bool("stream", false))
            throw new RecipeException(s.File, stream.Start.Line, endpoint.KeyPath("stream"),
                "must be false: a served student returns its k samples as the n choices of one response, which streaming assembles into one");
        var template = s.String("chat_template", null);
        if (template is not null && !Data.Templates.ChatTemplate.Names.Contains(template))
            throw s.Unknown("chat_template", "names unknown chat template", template, Data.Templates.ChatTemplate.Names);
        return new EndpointStudentSpec { Endpoint = ReadEndpoint(endpoint), System = s.String("system", null), ChatTemplate = template };
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
            Temperature = s.Double("temperature", d.Temperature, 0, 5),
            TopP = s.Double("top_p", d.TopP, 0, 1),
            MaxTokens = s.Has("max_tokens") ? s.Int("max_tokens", 0, 1) : d.MaxTokens,
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
        var formatNodes = s.NonEmptyList("formats", $"name at least one of {string.Join(", ", Enum.GetNames<ExportFormat>().Select(n => n.ToLowerInvariant()))} (or leave the key out for all)");
        var options = new ExportOptions
        {
            Formats = formatNodes?.Select((n, i) => s.ParseEnum<ExportFormat>(n, $"formats[{i}]")).Distinct().ToList() ?? d.Formats,
            DatasetName = s.PlainName("dataset_name", d.DatasetName)!,
            System = s.String("system", d.System),
        };
        s.Done();
        return options;
    }

}
