using System.CommandLine;
using Ded.Lab;
using Ded.Lab.Experiment;
using Ded.Recipes;
using Ded.Reports;
using Ded.Runs;
using Ded.Student;

namespace Ded.Cli.Commands;

/// <summary>`ded lab`: the embedded lab recipe (recipes/lab.yaml), the whole method with its controls, no network.</summary>
internal static class LabCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "One seed, smaller sets: the whole method in about two minutes." };
        var curationOnly = new Option<bool>("--curation-only") { Description = "Only the curation stages (pool, rollouts, verify, filter, diversify, export): seconds, no student." };
        var outOption = new Option<string?>("--out") { Description = "The run folder (default: runs/lab, or runs/lab-quick with --quick)." };
        var latency = CliSupport.LabLatencyOption();
        var baseSteps = BaseStepsOption();
        var command = new Command("lab", "DED end to end on the embedded lab: teacher smoke test, rollouts, filters, compression, farthest-P, SFT and evaluation, with controls and seeds.")
            { quick, curationOnly, outOption, latency, baseSteps };
        command.Subcommands.Add(PretrainCommand());
        command.SetAction((parse, ct) => CliSupport.GuardAsync(async () =>
        {
            var path = LabBase.RecipePath();
            var text = File.ReadAllText(path);
            var recipe = RecipeLoader.Parse(text, path, CliSupport.Extensions);
            bool isQuick = parse.GetValue(quick);
            if (isQuick)
            {
                recipe = LabRecipe.Quick(recipe);
                text = LabRecipe.QuickNote + text;
            }
            string folder = parse.GetValue(outOption) ?? Path.Combine("runs", recipe.Name);
            var labLatency = TimeSpan.FromMilliseconds(parse.GetValue(latency));
            if (parse.GetValue(curationOnly))
                await RunCommand.RunAsync(recipe with { Compression = recipe.Compression with { Enabled = false } }, text, folder, labLatency, isQuick, ct);
            else
                await RunExperimentAsync(recipe, text, folder, labLatency, isQuick ? LabExperimentOptions.Quick : new LabExperimentOptions(),
                    new LabBaseOptions { Steps = parse.GetValue(baseSteps) }, isQuick, ct);
            return 0;
        }));
        return command;
    }

    private static Option<int> BaseStepsOption() => new("--base-steps")
    {
        Description = "Pretraining steps of the base student (a checkpoint with other steps is pretrained once and cached).",
        DefaultValueFactory = _ => new LabBaseOptions().Steps,
    };

    private static async Task RunExperimentAsync(Recipe recipe, string text, string folder, TimeSpan labLatency, LabExperimentOptions options,
        LabBaseOptions baseOptions, bool isQuick, CancellationToken ct)
    {
        var curation = CliSupport.Services(recipe, labLatency);
        var run = CurationRun.Prepare(recipe, text, curation, throughExport: false); // before the folder is touched
        using var store = RunStore.Open(folder);
        var services = new LabExperimentServices
        {
            Curation = curation,
            BaseStudent = token => LabBase.LoadOrPretrain(baseOptions, curation.Log, token),
            PretrainingQuestions = LabBaseStudent.Corpus(baseOptions).Select(e => e.Prompt).ToHashSet(),
            Log = curation.Log,
        };
        var metrics = await CliSupport.WithRolloutProgressAsync(progress =>
            LabExperiment.RunAsync(store, run, options, services with { Curation = curation with { RolloutProgress = progress } }, isQuick, ct));
        CurationMetrics.Write(store, metrics);
        var report = await ReportStage.WriteAsync(store.Folder, metrics, ct);
        LabSummary.Print(Console.Out, metrics);
        Console.Out.WriteLine($"run folder: {store.Folder}");
        Console.Out.WriteLine($"exports: {Path.Combine(store.Folder, "exports")}");
        Console.Out.WriteLine($"report: {report.Html}");
        Console.Out.WriteLine($"report (text): {report.Markdown}");
    }

    /// <summary>`ded lab pretrain`: rebuilds the shipped base student (lab/base-student) from its options.</summary>
    private static Command PretrainCommand()
    {
        var outOption = new Option<string?>("--out") { Description = "Where to write the checkpoint (default: the repository's lab/base-student)." };
        var steps = BaseStepsOption();
        var command = new Command("pretrain", "Pretrain the lab's base student on plain reasoning traces over every family (what ded lab loads).") { outOption, steps };
        command.SetAction((parse, ct) => CliSupport.GuardAsync(() =>
        {
            var options = new LabBaseOptions { Steps = parse.GetValue(steps) };
            string dir = parse.GetValue(outOption) ?? LabBase.ShippedFolder();
            if (File.Exists(Path.Combine(dir, "base.json"))) File.Delete(Path.Combine(dir, "base.json"));
            using var student = LabBaseStudent.LoadOrPretrain(dir, options, Console.Out.WriteLine, ct);
            Console.Out.WriteLine($"base student: {dir}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
