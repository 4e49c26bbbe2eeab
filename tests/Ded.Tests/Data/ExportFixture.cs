using Ded.Recipes;
using Ded.Runs;
using Ded.Teachers;
using Ded.Verification;
using Xunit;

namespace Ded.Tests.Data;

/// <summary>
/// A real export, once per test class: the shipped lab recipe's curation stages (lab teachers, no compression) with
/// the dataset name and system prompt of a paper recipe, writing every format under the run folder's exports/.
/// </summary>
public sealed class ExportFixture : IAsyncLifetime
{
    public const string DatasetName = "ded_s1k_math";

    public string Dir { get; } = Directory.CreateTempSubdirectory("ded-export-").FullName;
    public string RunFolder => Path.Combine(Dir, "run");
    public string Exports => Path.Combine(RunFolder, "exports");

    public async Task InitializeAsync()
    {
        var path = Path.Combine(Support.SharedData.RepoRoot, "recipes", "lab.yaml");
        var text = await File.ReadAllTextAsync(path);
        var lab = RecipeLoader.Parse(text, path, LabExtension.Kinds);
        var recipe = lab with
        {
            Sampling = lab.Sampling with { SamplesPerQuestion = 2 },
            Compression = lab.Compression with { Enabled = false },
            Export = lab.Export with { DatasetName = DatasetName, System = "You reason step by step." },
        };
        var services = new CurationServices { Teachers = spec => TeacherClients.Create(spec, TimeSpan.Zero), Verifier = new LabExactVerifier() };
        var run = CurationRun.Prepare(recipe, text, services, throughExport: true);
        using var store = RunStore.Open(RunFolder);
        var export = await CurationRun.RunAllAsync(store, run, services, CancellationToken.None);
        if (export.Rows == 0) throw new InvalidOperationException("the lab recipe exported no rows");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Dir, recursive: true);
        return Task.CompletedTask;
    }
}
