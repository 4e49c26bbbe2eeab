using System.CommandLine;
using Ded.Recipes;
using Ded.Runs;

namespace Ded.Cli.Commands;

/// <summary>The stage commands that continue a run from its folder: `filter`, `compress`, `diversify`, `export`.</summary>
internal static class StageCommands
{
    public static Command Filter() => Create("filter", "Verify every trajectory, then apply the length, <think> pairing, truncation and correctness filters.",
        (store, recipe, services, ct) => CurationRun.FilterAsync(store, recipe, services, ct));

    public static Command Compress() => Create("compress", "Drop questions the student already solves (the recipe student's pass rate over k samples, graded by the recipe's verifier).",
        (store, recipe, services, ct) =>
        {
            recipe = recipe with { Compression = recipe.Compression with { Enabled = true } };
            return CurationRun.CompressAsync(store, recipe, CurationRun.WithStudent(services, recipe, ct), ct);
        });

    public static Command Diversify() => Create("diversify", "Keep P trajectories per question by the recipe's strategy (farthest-P by Levenshtein).",
        (store, recipe, services, ct) => CurationRun.DiversifyAsync(store, recipe, services, ct));

    public static Command Export() => Create("export", "Write the selected trajectories as LLaMA-Factory, TRL and Parquet files.",
        (store, recipe, services, ct) => CurationRun.ExportAsync(store, recipe, services, ct));

    private static Command Create(string name, string description, Func<RunStore, Recipe, CurationServices, CancellationToken, Task> stage)
    {
        var outOption = CliSupport.OutOption(required: true);
        var command = new Command(name, description) { outOption };
        command.SetAction((parse, ct) => CliSupport.GuardAsync(async () =>
        {
            var (store, recipe) = CliSupport.OpenRun(parse.GetValue(outOption)!);
            using (store)
                await stage(store, recipe, CliSupport.Services(recipe, TimeSpan.Zero), ct);
            return 0;
        }));
        return command;
    }
}
