using System.CommandLine;
using System.Globalization;
using Ded.Display;
using Ded.Recipes;
using Ded.Runs;

namespace Ded.Cli.Commands;

/// <summary>`ded run RECIPE`: every curation stage in order on one run folder.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var recipeArg = CliSupport.RecipeArgument();
        var outOption = CliSupport.OutOption(required: false);
        var latency = CliSupport.LabLatencyOption();
        var command = new Command("run", "Run every stage of a recipe: rollout, verify and filter, compress, diversify, export.") { recipeArg, outOption, latency };
        command.SetAction((parse, ct) => CliSupport.GuardAsync(async () =>
        {
            var path = parse.GetValue(recipeArg)!;
            var recipe = RecipeLoader.Load(path, CliSupport.Extensions);
            await RunAsync(recipe, File.ReadAllText(path), parse.GetValue(outOption) ?? CliSupport.DefaultRunFolder(recipe),
                TimeSpan.FromMilliseconds(parse.GetValue(latency)), isQuick: false, ct);
            return 0;
        }));
        return command;
    }

    /// <summary>Shared with `ded lab`: check inputs, open the folder, run all stages, say where the exports are.</summary>
    public static async Task RunAsync(Recipe recipe, string recipeText, string folder, TimeSpan labLatency, bool isQuick, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var services = CurationRun.WithStudent(CliSupport.Services(recipe, labLatency), recipe, ct);
        var run = CurationRun.Prepare(recipe, recipeText, services, throughExport: true); // before the folder is touched
        using var store = RunStore.Open(folder);
        var export = await CliSupport.WithRolloutProgressAsync(progress =>
            CurationRun.RunAllAsync(store, run, services with { RolloutProgress = progress }, ct));
        var built = CurationMetrics.Build(store, recipe, isQuick, started);
        var metrics = CurationMetrics.Write(store, built);
        var report = await Reports.ReportStage.WriteAsync(store.Folder, built, ct);
        Console.Out.WriteLine($"run folder: {store.Folder}");
        Console.Out.WriteLine($"metrics: {metrics}");
        Console.Out.WriteLine($"report: {report.Html}");
        Console.Out.WriteLine($"exports ({export.Rows} rows): {Path.Combine(store.Folder, "exports")}");
        Console.Out.WriteLine(StageTable(built));
        var example = store.FirstSelected(RunStore.Snake(recipe.Diversity.Strategy)) ?? "TRAJECTORY_ID";
        Console.Out.WriteLine(TerminalText.Line("lineage of a row: " + ShellWords.Command("ded", "show", example, "--out", folder)));
    }

    /// <summary>Where the time went: one line per stage (wall, CPU, rows/s, store size), then the process's totals.</summary>
    internal static string StageTable(Reports.RunMetrics m)
    {
        var lines = new List<string> { $"{"stage",-22}{"wall s",9}{"CPU s",9}{"rows",12}{"rows/s",11}{"run.db MB",11}" };
        lines.AddRange(m.Stages.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.Stage,-22}{s.WallSeconds,9:0.0}{s.CpuSeconds,9:0.0}{s.Rows,12:N0}{s.RowsPerSecond,11:N0}{s.DatabaseBytes / 1e6,11:0.0}")));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"{"run",-22}{m.Run.WallSeconds,9:0.0}{m.Run.CpuSeconds,9:0.0}   peak RSS {m.Run.PeakResidentBytes / 1e6:0} MB"));
        return string.Join("\n", lines);
    }
}
