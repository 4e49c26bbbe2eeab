using System.Text.Json.Nodes;
using Ded.Recipes;
using Ded.Selection;
using Ded.Tests.Support;
using Ded.Rollouts;
using Ded.Runs;
using Ded.Teachers.Endpoints;
using Ded.Tests.Spine;
using Ded.Tests.Student;
using Ded.Training;
using Ded.Verification;
using Ded.Verification.Math;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>
/// Issue 12: compression outside the lab. A real-data recipe is graded by the verifier its pool's domain implies (or
/// fails at load without one), and a served student's compression decisions rest on that verifier's verdicts.
/// </summary>
[Collection(TorchCollection.Name)]
public class VerifierGradedCompressionTests
{
    private const int K = 4;

    /// <summary>Short ASCII MATH-500 problems: the served lab student reads ASCII and has a 256-character context.</summary>
    private static List<string> ShortMath500Rows(int count) =>
        File.ReadLines(SharedData.Require("math500.jsonl"))
            .Where(l => JsonNode.Parse(l)!["problem"]!.GetValue<string>() is { Length: < 120 } p && p.All(char.IsAscii)).Take(count).ToList();

    private static string Recipe(string pool, string student) => $"""
        name: real
        questions:
          sources:
            - pool: {pool}
        teachers:
          - name: t
            lab: oracle
        {student}
        compression: {"{"} enabled: true, k: {K}, threshold: 0.5, max_tokens: 48 {"}"}
        filters: {"{"} length_unit: chars, correctness: false, think_pairing: false {"}"}
        """;

    [SkippableFact]
    public void ARealPoolWithoutADomainOrVerifierFailsAtLoadNamingFileLineAndKey()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("pool.jsonl"), ShortMath500Rows(2));
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Recipe("{ path: pool.jsonl, question: problem }", ""), dir.File("real.yaml"), LabExtension.Kinds));
        Assert.Equal("real.yaml:4: verifier is required: questions.sources[0] declares no domain with a rule verifier, so nothing says how its answers are checked; " +
                     "name one (verifier: math|code|auto|lab) or set the source's `domain: math|code`", e.Message);
    }

    [SkippableFact]
    public async Task AServedStudentsCompressionDecisionsCarryMathVerifierVerdictsOnMath500()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("pool.jsonl"), ShortMath500Rows(4));
        await using var served = await ServedProcess.StartAsync(null, "--checkpoint", Path.Combine(SharedData.RepoRoot, "lab", "base-student"), "--model-id", "student");
        var endpoint = $"{{ base_url: '{served.BaseUrl}', model: student, retry: {{ max_attempts: 1 }} }}";
        var yaml = Recipe("{ path: pool.jsonl, preset: math500 }", $"student: {{ endpoint: {endpoint} }}");
        var recipe = RecipeLoader.Parse(yaml, dir.File("real.yaml"), LabExtension.Kinds);
        Assert.Equal(VerifierSpec.Math, recipe.Verifier.Kind); // the preset's pool is math

        var (verifier, _) = Verifiers.Create(recipe.Verifier, () => throw new InvalidOperationException("math needs no sandbox"), recipe.Extensions);
        var services = CurationRun.WithStudent(new CurationServices { Teachers = spec => new TeacherClient(spec, new FakeTeacher()), Verifier = verifier },
            recipe, CancellationToken.None);
        var run = CurationRun.Prepare(recipe, yaml, services, throughExport: true);
        using var store = RunStore.Open(dir.File("run"));
        await CurationRun.RolloutAsync(store, run, services, CancellationToken.None);
        await CurationRun.FilterAsync(store, recipe, services, CancellationToken.None);
        await CurationRun.CompressAsync(store, recipe, services, CancellationToken.None);

        // The same k samples, drawn again from the served student and graded by Math-Verify rules directly.
        using var student = new EndpointStudent(new EndpointOptions { BaseUrls = [served.BaseUrl], Model = "student" });
        var questions = store.Questions();
        var samples = await student.SampleAsync(questions.Select(q => q.Text).ToArray(), CurationRun.CompressionSampling(recipe) with { SamplesPerPrompt = K }, CancellationToken.None);
        for (int i = 0; i < questions.Count; i++)
        {
            var kinds = samples[i].Select(s => s.IsTruncated ? VerdictKind.Wrong
                : MathAnswerVerifier.Kind(MathVerifier.Verify(questions[i].GoldAnswer, ThinkBlock.Parse(s.Text).AnswerText, recipe.Verifier.MathOptions()))).ToList();
            var decision = store.CompressionOf(questions[i].Id)!;
            var expected = PassRate.Of("math", kinds, samples[i].Count(s => s.IsTruncated));
            Assert.Equal(expected.Rate, decision.PassRate);
            Assert.Contains($"(k={K}{expected.Describe()})", decision.Reason);
            Assert.Contains("; math: ", decision.Reason);
        }
    }
}
