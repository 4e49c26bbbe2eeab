using System.CommandLine;
using System.Diagnostics;
using Ded.Display;
using Ded.Recipes;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Teachers;
using Ded.Verification;
using Spectre.Console;

namespace Ded.Cli.Commands;

/// <summary>What the stage commands share: options, error reporting, services and the rollout progress display.</summary>
internal static class CliSupport
{
    public static Option<string?> OutOption(bool required) => new("--out")
    {
        Description = required ? "The run folder." : "The run folder (default: runs/<recipe name>-<UTC timestamp>).",
        Required = required,
    };

    public static Option<int> LabLatencyOption() => new("--lab-latency-ms")
    {
        Description = "Simulated network latency per teacher request, in milliseconds (lab teachers answer instantly).",
        DefaultValueFactory = _ => 0,
    };

    public static Argument<string> RecipeArgument() => new("recipe") { Description = "The recipe YAML file." };

    /// <summary>
    /// Runs a command body; errors the user can fix print as one line on stderr with exit code 2 (a bad input, a busy or
    /// full run folder), a rollout whose every sample failed with exit code 1.
    /// </summary>
    public static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (RolloutFailedException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
        catch (Exception e) when (e is RecipeException or RunStoreException or InvalidOperationException or Teachers.Endpoints.EndpointException or Data.InvalidUtf8Exception
                                   or Verification.Code.SandboxUnavailableException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
        catch (Exception e) when (StorageFailure.From(e, "the run folder") is { } failure)
        {
            // A write outside the run store (a report, an engine config): .NET's message names the file.
            Console.Error.WriteLine("error: " + failure.Message);
            return 2;
        }
    }

    /// <summary>The kinds the CLI's recipes may use beyond the core's: the lab's (`lab:` sources, teachers, student, verifier).</summary>
    public static Recipes.RecipeExtensions Extensions => Lab.LabExtension.Kinds;

    /// <summary>The recipe's verifier (and judge), its tokenizer, and the teacher clients.</summary>
    /// <exception cref="InvalidOperationException">The recipe's tokenizer file is missing.</exception>
    public static CurationServices Services(Recipe recipe, TimeSpan labLatency)
    {
        var (verifier, judge) = RecipeLocation.RequiringKey(recipe, "verifier.judge", recipe.Verifier.Judge?.ApiKeyEnv,
            () => Verifiers.Create(recipe.Verifier, () => new Verification.Code.LinuxSandbox(), recipe.Extensions));
        return new()
        {
            Teachers = spec => TeacherClients.Create(spec, labLatency),
            Verifier = verifier,
            Judge = judge,
            Tokenizer = LoadTokenizer(recipe),
            // Spectre wraps at 80 columns when output is redirected; plain lines keep logs greppable.
            Log = Console.IsOutputRedirected ? Console.Out.WriteLine : line => AnsiConsole.WriteLine(TerminalText.Block(line)),
        };
    }

    private static Data.ITokenizer? LoadTokenizer(Recipe recipe)
    {
        if (recipe.Tokenizer is not { } path) return null;
        if (!File.Exists(path))
            throw RecipeLocation.Error(recipe, "tokenizer", $"file not found: {path}; point it at a tokenizer.json or the folder holding one");
        return Data.Tokenizers.HfTokenizer.Load(path);
    }

    public static string DefaultRunFolder(Recipe recipe) =>
        Path.Combine("runs", $"{recipe.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");

    /// <summary>Runs <paramref name="body"/> under a live progress bar on a terminal, or with a plain line a second otherwise.</summary>
    public static async Task<T> WithRolloutProgressAsync<T>(Func<IProgress<RolloutProgress>, Task<T>> body)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return await body(new PlainProgress());
        return await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(ctx => body(new BarProgress(ctx.AddTask("rollouts"))));
    }

    internal static string Describe(RolloutProgress p) =>
        $"rollouts: {p.AlreadyStored + p.Done}/{p.Total} stored ({p.Done} now), {p.InFlight} in flight, {p.Failed} failed, ETA {(p.Eta is { } eta ? eta.ToString(@"hh\:mm\:ss") : "-")}";

    private sealed class BarProgress(ProgressTask task) : IProgress<RolloutProgress>
    {
        private readonly Lock _gate = new();

        public void Report(RolloutProgress p)
        {
            lock (_gate)
            {
                task.MaxValue = Math.Max(1, p.Total);
                task.Value = p.AlreadyStored + p.Done + p.Failed;
                task.Description = Markup.Escape(Describe(p));
            }
        }
    }

    private sealed class PlainProgress : IProgress<RolloutProgress>
    {
        private readonly Lock _gate = new();
        private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
        private bool _first = true;

        public void Report(RolloutProgress p)
        {
            bool finished = p.AlreadyStored + p.Done + p.Failed == p.Total && p.InFlight == 0;
            lock (_gate)
            {
                if (!_first && !finished && _sinceLine.Elapsed < TimeSpan.FromSeconds(1)) return;
                _first = false;
                _sinceLine.Restart();
                Console.Out.WriteLine(Describe(p));
            }
        }
    }

    /// <summary>Opens an existing run and its recipe snapshot, for the stage commands after `rollout`.</summary>
    public static (RunStore Store, Recipe Recipe) OpenRun(string folder)
    {
        var store = RunStore.OpenExisting(folder);
        try
        {
            return (store, store.Recipe(Extensions));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}
