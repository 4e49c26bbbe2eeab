using System.Text;
using System.Text.RegularExpressions;
using Ded.Recipes;
using Ded.Runs;
using Xunit;

namespace Ded.Tests.Spine;

/// <summary>
/// What a careless user writes, and the one line each must fail with (`file:line: field what`), before the run folder
/// is touched: the recipe loaded as the CLI loads it, then prepared (questions read whole, teachers reached). The CLI
/// prints each as `error: MESSAGE`; <see cref="CliProcessTests"/> runs a few through the real process.
/// </summary>
public sealed class BadInputTests
{
    private const string Head = "name: bad\nfilters: { length_unit: chars }\nteachers:\n  - name: oracle\n    lab: oracle\n"; // lines 1-5
    private const string TokenHead = "name: bad\nteachers:\n  - name: oracle\n    lab: oracle\n";                              // lines 1-4
    private const string Jsonl = "questions:\n  sources:\n    - jsonl:\n        path: q.jsonl\n        domain: math\n";  // 5 lines
    private const string Good = "{\"id\": \"a\", \"question\": \"1+1?\", \"answer\": \"2\"}\n";
    private const string Dir = "/tmp/ded-bad-input";

    private static string Endpoint(string extra) =>
        $"name: bad\nfilters: {{ length_unit: chars }}\nteachers:\n  - name: q\n    endpoint:\n      model: m\n{extra}" + Jsonl; // extra at line 7

    // Each row: the recipe (r.yaml), the data file (written as q.jsonl and pool.jsonl; `<0xHH>` is that raw byte), the exact message.
    public static TheoryData<string, string, string, string> Cases => new()
    {
        // durations (issue 16, item 4)
        { "duration Infinity", Endpoint("      attempt_timeout: Infinity\n"), Good,
          "r.yaml:7: teachers[0].endpoint.attempt_timeout must be a duration like 00:00:10 or a number of seconds (got 'Infinity')" },
        { "duration 1e300", Endpoint("      attempt_timeout: 1e300\n"), Good,
          "r.yaml:7: teachers[0].endpoint.attempt_timeout must be from 0.01 s to 86400 s (got 1E+300 s)" },
        { "duration 1e12", Endpoint("      connect_timeout: 1e12\n"), Good,
          "r.yaml:7: teachers[0].endpoint.connect_timeout must be from 0.01 s to 86400 s (got 1000000000000 s)" },
        { "attempt timeout over 24 h", Endpoint("      attempt_timeout: 1.01:00:00\n"), Good,
          "r.yaml:7: teachers[0].endpoint.attempt_timeout must be from 0.01 s to 86400 s (got 90000 s)" },
        { "attempt timeout under 10 ms", Endpoint("      attempt_timeout: 0.005\n"), Good,
          "r.yaml:7: teachers[0].endpoint.attempt_timeout must be from 0.01 s to 86400 s (got 0.005 s)" },
        { "retry delay 1e12", Endpoint("      retry: { max_delay: 1e12 }\n"), Good,
          "r.yaml:7: teachers[0].endpoint.retry.max_delay must be from 0 s to 86400 s (got 1000000000000 s)" },
        { "verifier timeout -Infinity", Head + Jsonl + "verifier: { kind: math, timeout: -Infinity }\n", Good,
          "r.yaml:11: verifier.timeout must be a duration like 00:00:10 or a number of seconds (got '-Infinity')" },
        // files the recipe names (items 4 and 5)
        { "missing decontamination benchmark", Head + Jsonl + "  decontaminate:\n    benchmarks:\n      - bench.jsonl\n      - missing.jsonl\n", Good,
          $"r.yaml:14: questions.decontaminate.benchmarks[1] file not found: {Dir}/missing.jsonl; download the benchmark or remove it from the list" },
        { "missing student checkpoint", Head + Jsonl + "student:\n  lab: tiny\n  checkpoint: ckpt\ncompression:\n  enabled: true\n", Good,
          $"r.yaml:13: student.checkpoint folder not found: {Dir}/ckpt (relative paths resolve against the recipe's folder)" },
        { "missing pool file", Head + "questions:\n  sources:\n    - pool:\n        preset: s1k\n        path: nowhere.parquet\n", Good,
          $"r.yaml:10: questions.sources[0].pool.path file not found: {Dir}/nowhere.parquet; download the pool and set its `path` (relative to the recipe)" },
        { "unset api_key_env", Endpoint("      api_key_env: DED_TEST_UNSET_KEY_16\n"), Good,
          "r.yaml:7: teachers[0].endpoint.api_key_env names DED_TEST_UNSET_KEY_16, which is not set: export DED_TEST_UNSET_KEY_16=<key> before the run, or remove api_key_env for a local engine" },
        { "tokens without a tokenizer", TokenHead + Jsonl + "filters:\n  length_unit: tokens\n", Good,
          "r.yaml:11: filters.length_unit counts tokens, but the recipe names no tokenizer: add `tokenizer: PATH` (a tokenizer.json or its folder) or count chars" },
        { "tokens by default without a tokenizer", TokenHead + Jsonl, Good,
          "r.yaml:1: filters.length_unit is tokens unless set, and the recipe names no tokenizer: add `tokenizer: PATH` (a tokenizer.json or its folder) or count chars (`filters: { length_unit: chars }`)" },
        { "token distance without a tokenizer", Head + Jsonl + "diversity:\n  distance: tokens\n", Good,
          "r.yaml:12: diversity.distance counts tokens, but the recipe names no tokenizer: add `tokenizer: PATH` (a tokenizer.json or its folder) or count chars" },
        // YAML the parser places badly (item 5)
        { "unclosed YAML list", Head + Jsonl + "export:\n  formats: [trl, parquet\n", Good,
          "r.yaml:12: is not valid YAML: opens a `[` list that is never closed with `]`" },
        { "unclosed YAML mapping", Head + Jsonl + "sampling: { seed: 1\ndiversity:\n  p: 2\n", Good,
          "r.yaml:11: is not valid YAML: opens a `{` mapping that is never closed with `}`" },
        { "tab at line 13", Head + Jsonl + "sampling:\n  seed: 1\n\tmax_tokens: 10\n", Good,
          "r.yaml:13: is not valid YAML: is indented with a tab; YAML indents with spaces only" },
        { "teachers: [] at line 7", "name: bad\n" + Jsonl + "teachers: []\nfilters: { length_unit: chars }\n", Good,
          "r.yaml:7: teachers is empty: list at least one `- name: X` with `lab: NAME`, `endpoint: {...}` or `recorded: { path, question_field, response_field }`" },
        { "duplicate YAML key", Head + Jsonl + "sampling:\n  seed: 1\nsampling:\n  seed: 2\n", Good,
          "r.yaml:13: is not valid YAML: Duplicate key sampling" },
        { "recipe not UTF-8", Head + Jsonl + "export:\n  system: caf<0xE9>\n", Good,
          "r.yaml:12: is not valid UTF-8 (byte 0xE9 at column 14); save the file as UTF-8" },
        // question files (items 5 and 6)
        { "lone surrogate", Head + Jsonl, Good + "{\"id\": \"b\", \"question\": \"\\ud800\", \"answer\": \"2\"}\n",
          "q.jsonl:2: question holds an escape that is not text (a lone surrogate such as \\ud800); fix or drop it" },
        { "duplicate question ids", Head + Jsonl, Good + "{\"id\": \"b\", \"question\": \"2+2?\", \"answer\": \"4\"}\n" + Good,
          "q.jsonl:3: id 'a' repeats q.jsonl:1; question ids must be unique across all sources" },
        { "invalid UTF-8", Head + Jsonl, Good + "{\"id\": \"b<0xC3>(\", \"question\": \"2+2?\", \"answer\": \"4\"}\n",
          "q.jsonl:2: is not valid UTF-8 (byte 0xC3 at column 10); save the file as UTF-8" },
        { "empty questions file", Head + Jsonl, "",
          "q.jsonl:1: holds no questions (the file is empty); write one JSON object per line" },
        { "blank questions file", Head + Jsonl, "\n  \n\n",
          "q.jsonl:1: holds no questions (the file is empty); write one JSON object per line" },
        { "duplicate JSON keys", Head + Jsonl, "{\"id\": \"a\", \"question\": \"1+1?\", \"answer\": \"2\", \"answer\": \"3\"}\n",
          "q.jsonl:1: answer appears twice in this line's object; keep one" },
        { "empty question", Head + Jsonl, Good + "{\"id\": \"b\", \"question\": \" \", \"answer\": \"4\"}\n",
          "q.jsonl:2: question is empty; a question needs its text, its gold answer and (when given) its id" },
        { "empty gold answer", Head + Jsonl, Good + "{\"id\": \"b\", \"question\": \"2+2?\", \"answer\": \"\"}\n",
          "q.jsonl:2: answer is empty; a question needs its text, its gold answer and (when given) its id" },
        { "empty id", Head + Jsonl, "{\"id\": \"\", \"question\": \"2+2?\", \"answer\": \"4\"}\n",
          "q.jsonl:1: id is empty; a question needs its text, its gold answer and (when given) its id" },
        { "undocumented domain", Head + Jsonl.Replace("domain: math", "domain: physics"), Good,
          "r.yaml:10: questions.sources[0].jsonl.domain has unknown domain 'physics' (known: math, code, general)" },
        { "sources: []", Head + "questions:\n  sources: []\n", Good,
          "r.yaml:7: questions.sources is empty: list at least one `lab:`, `jsonl:` or `pool:` source" },
        { "formats: []", Head + Jsonl + "export:\n  formats: []\n", Good,
          "r.yaml:12: export.formats is empty: name at least one of llamafactory, trl, parquet (or leave the key out for all)" },
        { "benchmarks: []", Head + Jsonl + "  decontaminate:\n    benchmarks: []\n", Good,
          "r.yaml:12: questions.decontaminate.benchmarks is empty: a list of benchmark files (JSONL/JSON/Parquet) to decontaminate against" },
        { "empty pool", Head + "questions:\n  sources:\n    - pool:\n        path: pool.jsonl\n        domain: math\n", "",
          "pool.jsonl:1: holds no questions (no rows); point the pool source at a file with rows" },
        { "pool not UTF-8", Head + "questions:\n  sources:\n    - pool:\n        path: pool.jsonl\n        domain: math\n",
          "{\"problem\": \"1+1?\", \"answer\": \"2\"}\n{\"problem\": \"<0xFF>\", \"answer\": \"2\"}\n",
          "pool.jsonl:2: is not valid UTF-8 (byte 0xFF at column 14); save the file as UTF-8" },
        { "pool not Parquet", Head + "questions:\n  sources:\n    - pool: { path: broken.parquet, domain: math }\n", Good,
          $"{Dir}/broken.parquet: is not a Parquet file Ded can read (not a Parquet file (size too small)); download it again or point `path` at another file" },
        { "pool of unknown format", Head + "questions:\n  sources:\n    - pool: { path: q.csv, domain: math }\n", Good,
          "r.yaml:8: questions.sources[0].pool.path must name a .jsonl, .ndjson, .json (array) or .parquet file (got 'q.csv')" },
        { "benchmark of unknown format", Head + Jsonl + "  decontaminate:\n    benchmarks: [bench.jsonl, bench.txt]\n", Good,
          "r.yaml:12: questions.decontaminate.benchmarks[1] must name a .jsonl, .ndjson, .json (array) or .parquet file (got 'bench.txt')" },
        { "benchmark row without text", Head + Jsonl + "  decontaminate:\n    benchmarks: [textless.jsonl]\n", Good,
          $"{Dir}/textless.jsonl:1: no text field (problem, question, prompt, Question, question_content); a benchmark row needs one of them (questions.decontaminate.benchmarks)" },
        { "every question decontaminated", Head + Jsonl + "  decontaminate:\n    benchmarks: [q.jsonl]\n",
          "{\"id\": \"a\", \"question\": \"What is the sum of the first ten primes, written out?\", \"answer\": \"129\"}\n",
          "r.yaml:11: questions.decontaminate dropped every one of the 1 questions (the first, a: " },
        // names that end up in paths and ids (item 7, and the run's and teachers' names the same way)
        { "dataset_name traversal", Head + Jsonl + "export:\n  dataset_name: ../../escaped\n", Good, PlainName(12, "export.dataset_name", "../../escaped") },
        { "dataset_name absolute", Head + Jsonl + "export:\n  dataset_name: /tmp/escaped\n", Good, PlainName(12, "export.dataset_name", "/tmp/escaped") },
        { "dataset_name separator", Head + Jsonl + "export:\n  dataset_name: 'a\\b'\n", Good, PlainName(12, "export.dataset_name", "a\\b") },
        { "dataset_name NUL", Head + Jsonl + "export:\n  dataset_name: \"a\\0b\"\n", Good, PlainName(12, "export.dataset_name", "a\0b") },
        { "dataset_name dots", Head + Jsonl + "export:\n  dataset_name: ..\n", Good, PlainName(12, "export.dataset_name", "..") },
        { "run name traversal", "name: ../up\n" + Head[10..] + Jsonl, Good, PlainName(1, "name", "../up") },
        { "teacher name with a slash", Head.Replace("name: oracle", "name: a/b") + Jsonl, Good, PlainName(4, "teachers[0].name", "a/b") },
        // more of the same kind: what a careless user writes
        { "the key itself in api_key_env", Endpoint("      api_key_env: sk-proj-abc123XYZ\n"), Good,
          "r.yaml:7: teachers[0].endpoint.api_key_env must be the name of the environment variable holding the key (letters, digits and _), not the key itself; the value is not shown here" },
        { "empty stop sequence", Endpoint("      sampling: { stop: ['</s>', ''] }\n"), Good,
          "r.yaml:7: teachers[0].endpoint.sampling.stop[1] is empty; a stop sequence needs at least one character" },
        { "not an http URL", Endpoint("      base_urls: [ftp://x]\n"), Good,
          "r.yaml:7: teachers[0].endpoint.base_urls: 'ftp://x' is not an http(s) URL" },
        { "no base URL", Endpoint("      base_urls: []\n"), Good,
          "r.yaml:7: teachers[0].endpoint.base_urls must name at least one URL (e.g. http://127.0.0.1:8000/v1)" },
        { "question file is a folder", Head + Jsonl.Replace("q.jsonl", "."), Good,
          $"r.yaml:9: questions.sources[0].jsonl.path file not found: {Dir}" },
    };

    private static string PlainName(int line, string key, string got) =>
        $"r.yaml:{line}: {key} must be a plain name: letters, digits, '.', '-' and '_', starting with a letter or digit, at most 100 characters; it names files, folders or ids (got '{got}')";

    [Theory]
    [MemberData(nameof(Cases))]
    public void FailsWithFileLineAndField(string name, string recipe, string data, string expected)
    {
        Directory.CreateDirectory(Dir);
        File.WriteAllBytes(Path.Combine(Dir, "r.yaml"), Bytes(recipe));
        File.WriteAllBytes(Path.Combine(Dir, "q.jsonl"), Bytes(data));
        File.WriteAllBytes(Path.Combine(Dir, "pool.jsonl"), Bytes(data));
        File.WriteAllText(Path.Combine(Dir, "bench.jsonl"), "{\"problem\": \"An unrelated benchmark question about triangles.\"}\n");
        File.WriteAllText(Path.Combine(Dir, "textless.jsonl"), "{\"foo\": \"x\"}\n");
        File.WriteAllText(Path.Combine(Dir, "broken.parquet"), "garbage");

        // The two kinds the CLI prints as `error: MESSAGE` with exit code 2 (a file's own line, or the recipe's).
        var e = Record.Exception(() => Prepare(Path.Combine(Dir, "r.yaml")));
        Assert.True(e is RecipeException or InvalidOperationException, $"{name}: {e}");

        if (name == "every question decontaminated") Assert.StartsWith(expected, e.Message);
        else Assert.Equal(expected, e.Message);
    }

    /// <summary>The rows' fixes load: each case fails for its own reason, not for something else in the row.</summary>
    [Fact]
    public void TheBaseOfEveryRowLoads()
    {
        Directory.CreateDirectory(Dir);
        File.WriteAllText(Path.Combine(Dir, "r.yaml"), Head + Jsonl + "export:\n  dataset_name: my-set.v2\n  formats: [trl]\n");
        File.WriteAllText(Path.Combine(Dir, "q.jsonl"), Good);
        var run = Prepare(Path.Combine(Dir, "r.yaml"));
        Assert.Equal(["a"], run.Questions.Select(q => q.Id));
        Assert.Equal("my-set.v2", run.Recipe.Export.DatasetName);
    }

    private static PreparedRun Prepare(string path)
    {
        var recipe = RecipeLoader.Load(path, LabExtension.Kinds);
        var services = new CurationServices { Teachers = spec => TeacherClients.Create(spec, TimeSpan.Zero), Verifier = new LabExactVerifier() };
        services = CurationRun.WithStudent(services, recipe, CancellationToken.None); // as `ded run` does
        return CurationRun.Prepare(recipe, File.ReadAllText(path), services, throughExport: true);
    }

    private static byte[] Bytes(string text) =>
        Regex.Split(text, "(<0x[0-9A-F]{2}>)").SelectMany(part => part.StartsWith("<0x", StringComparison.Ordinal) && part.Length == 6
            ? [Convert.ToByte(part[3..5], 16)] : Encoding.UTF8.GetBytes(part)).ToArray();
}
