using Ded.Recipes;
using Ded.Runs;
using Ded.Teachers;
using Ded.Tests.Spine;
using Ded.Verification;

namespace Ded.Tests.Data;

/// <summary>A real export: Ded's curation stages on a fake teacher, writing every format under the run folder.</summary>
internal static class ExportFixture
{
    /// <summary>Runs the stages into <paramref name="runFolder"/> and returns its export folder.</summary>
    public static async Task<string> WriteAsync(string runFolder, string datasetName, string? system = "You reason step by step.")
    {
        var yaml = $"""
            name: export-fixture
            questions:
              sources:
                - lab: {"{"} count: 1 {"}"}
            teachers:
              - name: t1
                lab: oracle
            sampling:
              samples_per_question: 4
              seed: 5
            filters:
              length_unit: chars
              max_length: 1000
            diversity:
              p: 2
            export:
              dataset_name: {datasetName}
            {(system is null ? "" : "  system: " + system)}
            """;
        var recipe = RecipeLoader.Parse(yaml, Path.Combine(runFolder, "fixture.yaml"));
        var services = new CurationServices
        {
            Teachers = spec => new TeacherClient(spec, new FakeTeacher()),
            Verifier = new LabExactVerifier(),
        };
        string[] questions = ["What is 1 + 1?", "What is 2 + 2?", "What is 3 + 3?"];
        var run = CurationRun.Prepare(recipe, yaml, services, throughExport: true) with
        {
            Questions = questions.Select((q, i) => Ded.Tests.Spine.Spine.Q($"q{i}", q, gold: "1")).ToList(),
        };
        using var store = RunStore.Open(runFolder);
        var export = await CurationRun.RunAllAsync(store, run, services, CancellationToken.None);
        if (export.Rows == 0) throw new InvalidOperationException("the fixture exported no rows");
        return Path.Combine(runFolder, "exports");
    }
}
