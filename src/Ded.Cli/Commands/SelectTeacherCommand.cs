using System.ClientModel;
using System.CommandLine;
using System.Globalization;
using Ded.Display;
using Ded.Evaluation;
using Ded.Recipes;
using Ded.Runs;
using Ded.TeacherSelection;
using Ded.Training;

namespace Ded.Cli.Commands;

/// <summary>`ded select-teacher RECIPE --out DIR [--signals-only] [--students NAME=URL ...]`: DED's teacher smoke test and the cheap signals.</summary>
internal static class SelectTeacherCommand
{
    public static Command Create()
    {
        var recipeArg = CliSupport.RecipeArgument();
        var outOption = CliSupport.OutOption(required: true);
        var signalsOnly = new Option<bool>("--signals-only") { Description = "Rank the teachers by the base student's loss, entropy and Rank-Surprisal Ratio only: no training." };
        var students = new Option<string[]>("--students")
        {
            Description = "Students an external engine trained on each teacher's corpus, served: NAME=URL (the URL ends in /v1; its one served model is asked).",
            AllowMultipleArgumentsPerToken = true,
        };
        var latency = CliSupport.LabLatencyOption();
        var command = new Command("select-teacher", "DED's teacher smoke test: one answer per question from each teacher, a student trained on each corpus and evaluated; the cheap signals beside it.")
            { recipeArg, outOption, signalsOnly, students, latency };
        command.SetAction((parse, ct) => CliSupport.GuardAsync(async () =>
        {
            var started = DateTimeOffset.UtcNow;
            var path = parse.GetValue(recipeArg)!;
            var recipe = RecipeLoader.Load(path, CliSupport.Extensions);
            if (recipe.SelectTeacher is null)
                throw new RecipeException(recipe.SourcePath, 1, "select_teacher", "is required by `ded select-teacher`: add a `select_teacher:` block (docs/recipes.md, \"select_teacher\")");
            var services = CliSupport.Services(recipe, TimeSpan.FromMilliseconds(parse.GetValue(latency)));
            var run = CurationRun.Prepare(recipe, File.ReadAllText(path), services, throughExport: false); // before the folder is touched
            run = run with { Teachers = [.. TeacherSelectionStage.Candidates(recipe).Select(services.Teachers)] };
            var request = new SelectTeacherRequest
            {
                IsSignalsOnly = parse.GetValue(signalsOnly),
                Students = await ServedStudentsAsync(parse.GetValue(students) ?? [], recipe, ct),
            };
            using var store = RunStore.Open(parse.GetValue(outOption)!);
            var outcome = await CliSupport.WithRolloutProgressAsync(progress =>
                TeacherSelectionStage.RunAsync(store, run, services with { RolloutProgress = progress }, request, ct));
            var metrics = CurationMetrics.Build(store, recipe, isQuick: false, started);
            CurationMetrics.Write(store, metrics);
            var report = await Reports.ReportStage.WriteAsync(store.Folder, metrics, ct);
            Print(outcome, recipe.SelectTeacher.Evaluation.Samples);
            Console.Out.WriteLine($"run folder: {store.Folder}");
            Console.Out.WriteLine($"report: {report.Markdown}");
            Console.Out.WriteLine(SelectionJsonLine.Of(outcome));
            return 0;
        }));
        return command;
    }

    /// <summary>`NAME=URL` pairs, each URL asked for the one model it serves (GET /models), as the OpenAI SDK lists them.</summary>
    private static async Task<IReadOnlyDictionary<string, (string BaseUrl, string Model)>> ServedStudentsAsync(string[] pairs, Recipe recipe, CancellationToken ct)
    {
        var names = TeacherSelectionStage.Candidates(recipe).Select(t => t.Name).ToList();
        var key = (recipe.SelectTeacher!.Student ?? recipe.Student) is EndpointStudentSpec { Endpoint.ApiKeyEnv: { } env } ? Environment.GetEnvironmentVariable(env) : null;
        var result = new Dictionary<string, (string, string)>();
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=');
            var (name, url) = eq > 0 ? (pair[..eq], pair[(eq + 1)..]) : throw new InvalidOperationException($"--students: '{pair}' is not NAME=URL");
            if (!names.Contains(name))
                throw new InvalidOperationException($"--students: '{name}' is not one of the recipe's teachers ({string.Join(", ", names)})");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new InvalidOperationException($"--students {name}: '{url}' is not an http(s) URL");
            result[name] = (url, await ServedModelAsync(uri, key, ct));
        }
        return result;
    }

    private static async Task<string> ServedModelAsync(Uri url, string? key, CancellationToken ct)
    {
        try
        {
            var client = new OpenAI.Models.OpenAIModelClient(new ApiKeyCredential(key ?? "none"), new OpenAI.OpenAIClientOptions { Endpoint = url });
            var ids = (await client.GetModelsAsync(ct)).Value.Select(m => m.Id).ToList();
            return ids.Count == 1 ? ids[0]
                : throw new InvalidOperationException($"--students: {url} serves {ids.Count} models ({string.Join(", ", ids)}); serve the trained student alone there");
        }
        catch (Exception e) when (e is ClientResultException or HttpRequestException)
        {
            throw new InvalidOperationException($"--students: {url}/models did not answer ({e.GetType().Name}: {e.Message.Split('\n')[0]}); is the trained student served there?");
        }
    }

    private static void Print(SelectionOutcome o, int samples)
    {
        Console.Out.WriteLine($"{"teacher",-24} {"corpus",6}  {$"student avg@{samples} [95%]",-26} {"rank",4}  {"loss",7}  {"entropy",7}  {"rsr [95%]",-22}");
        foreach (var t in o.Teachers)
        {
            var s = t.Signal;
            Console.Out.WriteLine(TerminalText.Line(string.Create(CultureInfo.InvariantCulture,
                $"{t.Name,-24} {t.Corpus,6}  {(t.Student is { } st ? TeacherRanking.Format(st.Score) : "-"),-26} {t.Rank?.ToString(CultureInfo.InvariantCulture) ?? "-",4}  " +
                $"{Number(s?.Loss),7}  {Number(s?.EntropyBits),7}  {(s?.RsrInterval is { } r ? TeacherRanking.Format(r) : "-"),-22}")));
        }
        Console.Out.WriteLine("signals (lower is better): loss = mean per-token loss of the base student (nats), entropy = its mean token entropy (bits), " +
                              "rsr = Rank-Surprisal Ratio (arXiv 2601.14249)");
        foreach (var t in o.Teachers)
        {
            Console.Out.WriteLine(TerminalText.Line($"  {t.Name}: student {t.StudentNote}"));
            Console.Out.WriteLine(TerminalText.Line($"  {t.Name}: signals {t.SignalNote}"));
        }
        var byRsr = o.Teachers.Where(t => t.Signal?.Rsr is not null).OrderBy(t => t.Signal!.Rsr).ToList();
        if (byRsr.Count > 0)
            Console.Out.WriteLine(TerminalText.Line("ranked by RSR (lower is better; the signals' pick first): " +
                string.Join(", ", byRsr.Select((t, i) => $"{i + 1}. {t.Name} {Number(t.Signal!.Rsr)}")) +
                (byRsr.Count < o.Teachers.Count ? $"; no RSR: {string.Join(", ", o.Teachers.Except(byRsr).Select(t => t.Name))}" : "")));
        Console.Out.WriteLine(TerminalText.Line("smoke test: " + o.Verdict));
        if (o.Spearman.Count > 0)
            Console.Out.WriteLine(TerminalText.Line($"Spearman ρ of each signal with the student scores over {o.SpearmanTeachers} teachers (negative = agrees, as lower signals are better): " +
                string.Join(", ", o.Spearman.Select(kv => $"{kv.Key} {Number(kv.Value)}"))));
        foreach (var note in o.Notes) Console.Out.WriteLine(TerminalText.Line("note: " + note));
        if (o.TrainScript is { } script)
            Console.Out.WriteLine(TerminalText.Line($"next: train with `sh {ShellWords.Quote(script)}`, serve each student, then rerun with --students NAME=URL ..."));
    }

    private static string Number(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
