using System.CommandLine;
using Ded.Recipes;

namespace Ded.Cli.Commands;

/// <summary>`ded lab`: the embedded lab recipe (recipes/lab.yaml), end to end, no network.</summary>
internal static class LabCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A smaller lab: fewer questions and samples (seconds)." };
        var outOption = new Option<string?>("--out") { Description = "The run folder (default: runs/lab, or runs/lab-quick with --quick)." };
        var latency = CliSupport.LabLatencyOption();
        var command = new Command("lab", "Run the DED curation stages on the embedded lab: pool, rollouts from all lab teachers, verify, filter, diversify, export.")
            { quick, outOption, latency };
        command.SetAction((parse, ct) => CliSupport.GuardAsync(async () =>
        {
            var path = FindLabRecipe();
            var text = File.ReadAllText(path);
            var recipe = RecipeLoader.Parse(text, path);
            bool isQuick = parse.GetValue(quick);
            if (isQuick)
            {
                recipe = LabRecipe.Quick(recipe);
                text = LabRecipe.QuickNote + text;
            }
            await RunCommand.RunAsync(recipe, text, parse.GetValue(outOption) ?? Path.Combine("runs", recipe.Name),
                TimeSpan.FromMilliseconds(parse.GetValue(latency)), isQuick, ct);
            return 0;
        }));
        return command;
    }

    /// <summary>recipes/lab.yaml of the repository this CLI was built in (searched upwards from the binary).</summary>
    private static string FindLabRecipe()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "recipes", "lab.yaml");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"recipes/lab.yaml not found above {AppContext.BaseDirectory}; run ded from its repository");
    }
}
