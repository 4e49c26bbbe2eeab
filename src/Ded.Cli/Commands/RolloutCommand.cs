using System.CommandLine;
using Ded.Recipes;
using Ded.Runs;

namespace Ded.Cli.Commands;

/// <summary>`ded rollout RECIPE --out DIR`: start (or resume) a run and draw the teacher samples.</summary>
internal static class RolloutCommand
{
    public static Command Create()
    {
        var recipeArg = CliSupport.RecipeArgument();
        var outOption = CliSupport.OutOption(required: false);
        var latency = CliSupport.LabLatencyOption();
        var command = new Command("rollout", "Sample M responses per question from every teacher (resumable).") { recipeArg, outOption, latency };
        command.SetAction((parse, ct) => CliSupport.GuardAsync(async () =>
        {
            var path = parse.GetValue(recipeArg)!;
            var recipe = RecipeLoader.Load(path, CliSupport.Extensions);
            var services = CliSupport.Services(recipe, TimeSpan.FromMilliseconds(parse.GetValue(latency)));
            var run = CurationRun.Prepare(recipe, File.ReadAllText(path), services, throughExport: false); // before the folder is touched
            using var store = RunStore.Open(parse.GetValue(outOption) ?? CliSupport.DefaultRunFolder(recipe));
            var summary = await CliSupport.WithRolloutProgressAsync(progress => CurationRun.RolloutAsync(store, run, services with { RolloutProgress = progress }, ct));
            Console.Out.WriteLine($"run folder: {store.Folder}");
            if (summary.AllFailed) throw new Rollouts.RolloutFailedException(summary);
            return 0;
        }));
        return command;
    }
}
