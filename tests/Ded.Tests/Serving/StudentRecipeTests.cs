using Ded.Recipes;
using Ded.Teachers.Endpoints;
using Ded.Training;
using Xunit;

namespace Ded.Tests.Serving;

/// <summary>The recipe's `student:` block: a lab student (with an optional checkpoint) or a served one.</summary>
public class StudentRecipeTests
{
    private const string Teachers = "teachers:\n  - name: oracle\n    lab: oracle\n";
    private const string Questions = "questions:\n  sources:\n    - lab: { count: 2 }\n"; // after the student: its lines stay put

    [Fact]
    public void AnEndpointStudentBindsTheTeachersEndpointKeys()
    {
        var yaml = Teachers + "student:\n  endpoint:\n    base_urls: [http://a:1/v1, http://b:2/v1]\n    model: tiny-student\n    api_key_env: STUDENT_KEY\n    max_in_flight: 3\n    retry: { max_attempts: 2 }\n  system: Answer briefly.\n  chat_template: qwen3\n" + Questions;
        var student = Assert.IsType<EndpointStudentSpec>(RecipeLoader.Parse(yaml, "/tmp/ded-recipes/s.yaml", LabExtension.Kinds).Student);
        var endpoint = student.Endpoint;
        Assert.Equal(["http://a:1/v1", "http://b:2/v1"], endpoint.BaseUrls);
        Assert.Equal(("tiny-student", "STUDENT_KEY", 3, 2), (endpoint.Model, endpoint.ApiKeyEnv, endpoint.MaxInFlight, endpoint.Retry.MaxAttempts));
        Assert.Equal(("Answer briefly.", "qwen3"), (student.System, student.ChatTemplate));
    }

    /// <summary>What a served student can do follows from the recipe: a chat template makes it score too; it never trains.</summary>
    [Theory]
    [InlineData("", false)]
    [InlineData("  chat_template: chatml\n", true)]
    public void AServedStudentsCapabilitiesFollowItsRecipe(string template, bool scores)
    {
        var yaml = Teachers + "student:\n  endpoint: { base_url: 'http://127.0.0.1:9/v1', model: m }\n" + template + Questions;
        using var student = RecipeLoader.Parse(yaml, "/tmp/ded-recipes/s.yaml", LabExtension.Kinds).Student!.Create(_ => { }, CancellationToken.None);
        Assert.IsAssignableFrom<IStudentSampler>(student);
        Assert.Equal(scores, student is IStudentScorer);
        Assert.False(student is ITrainableStudent);
    }

    [Fact]
    public void ARecipeWithoutAStudentHasNoneAndCompressionOnFailsAtLoad()
    {
        Assert.Null(RecipeLoader.Parse(Teachers + Questions, "/tmp/ded-recipes/s.yaml", LabExtension.Kinds).Student);
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Teachers + "compression:\n  enabled: true\n" + Questions, "/tmp/ded-recipes/s.yaml", LabExtension.Kinds));
        Assert.Equal("s.yaml:5: compression.enabled needs a student to ask: add `student: { endpoint: {...} }` (a served student; docs/recipes.md) or set it false", e.Message);
    }

    [Theory]
    [InlineData("student:\n  lab: tiny\n", "tiny", null)]
    [InlineData("student:\n  lab: tiny\n  checkpoint: ckpt/tiny\n", "tiny", "/tmp/ded-recipes/ckpt/tiny")]
    [InlineData("student:\n  checkpoint: /abs/dir\n", "tiny", "/abs/dir")]
    public void ALabStudentMayNameACheckpointRelativeToTheRecipe(string block, string lab, string? checkpoint)
    {
        var student = Assert.IsType<LabStudentSpec>(RecipeLoader.Parse(Teachers + block + Questions, "/tmp/ded-recipes/s.yaml", LabExtension.Kinds).Student);
        Assert.Equal((lab, checkpoint), (student.Lab, student.Checkpoint));
    }

    [Theory]
    [InlineData("student:\n  lab: tiny\n  endpoint: { model: m }\n",
        "s.yaml:5: student.lab a student is either `lab: NAME` (with an optional `checkpoint: DIR`) or `endpoint: {...}`, not both: remove one")]
    [InlineData("student:\n  endpoint: { model: m }\n  checkpoint: x\n",
        "s.yaml:6: student.checkpoint a student is either `lab: NAME` (with an optional `checkpoint: DIR`) or `endpoint: {...}`, not both: remove one")]
    [InlineData("student:\n  endpoint:\n    model: m\n    stream: true\n",
        "s.yaml:7: student.endpoint.stream must be false: a served student returns its k samples as the n choices of one response, which streaming assembles into one")]
    [InlineData("student:\n  endpoint: { base_url: http://a/v1 }\n", "s.yaml:5: student.endpoint.model is required")]
    [InlineData("student:\n  endpoint: { model: m, max_inflight: 2 }\n", "s.yaml:5: unknown key 'max_inflight' in student.endpoint (did you mean 'max_in_flight'?)")]
    [InlineData("student:\n  endpoint: { model: m }\n  chat_template: qwen4\n", "s.yaml:6: student.chat_template names unknown chat template 'qwen4' (known: qwen3, chatml, deepseek-r1) (did you mean 'qwen3'?)")]
    [InlineData("student:\n  system: hi\n", "s.yaml:5: student must name a student: `lab: NAME` (with an optional `checkpoint: DIR`) or `endpoint: {...}`")]
    public void ABrokenStudentNamesFileLineAndKey(string block, string expected)
    {
        var e = Assert.Throws<RecipeException>(() => RecipeLoader.Parse(Teachers + block + Questions, "/tmp/ded-recipes/s.yaml", LabExtension.Kinds));
        Assert.Equal(expected, e.Message);
    }

    // Each row: the scored tokens (BOS first), the formatted prompt's length, and the response's log-probabilities.
    public static TheoryData<string[], int, double[]> ResponseTokens => new()
    {
        { ["", "Q", ":", "4", "2"], 2, [-3, -4] },          // one token per character, BOS has none
        { ["", "Q:", " 4", "2"], 2, [-2, -3] },            // multi-character tokens on the boundary
        { ["", "Q", ": 4", "2"], 2, [-2, -3] },            // a token straddling the boundary counts as the response's
        { ["", "Q", ":"], 2, [] },                         // an empty response
        { ["", "4", "2"], 0, [-1, -2] },                   // an empty prompt
    };

    [Theory]
    [MemberData(nameof(ResponseTokens))]
    public void ScoringKeepsTheTokensAfterThePrompt(string[] tokens, int prefixChars, double[] expected)
    {
        var logProbs = tokens.Select((_, i) => i == 0 ? (double?)null : -i).ToArray();
        var scored = new TokenLogProbs(tokens, logProbs);
        Assert.Equal(expected, logProbs.Skip(ScoringEndpointStudent.FirstResponseToken(scored, null, prefixChars)).Select(lp => lp!.Value));
    }

    // Token ids decide where they are known (vLLM's prompt_token_ids), whatever the decoded texts: vLLM sends none for
    // the first token (here <|im_start|>, 12 characters) and U+FFFD for a piece of a UTF-8 character.
    public static TheoryData<int[], int[], int> ResponseIds => new()
    {
        { [151644, 872, 198, 151645, 198], [151644, 872, 198], 3 },    // the prompt's ids, then the response's
        { [151644, 872, 1700, 42], [151644, 872, 198], 2 },            // the prompt's last token merged with the response's first
        { [151644, 872, 198], [151644, 872, 198], 3 },                 // an empty response
    };

    [Theory]
    [MemberData(nameof(ResponseIds))]
    public void WithTokenIdsTheResponseStartsWhereTheIdsDepartFromThePromptAlone(int[] whole, int[] prompt, int expected)
    {
        static TokenLogProbs Scored(int[] ids) => new([.. ids.Select((_, i) => i == 0 ? "" : "\ufffd")], [.. ids.Select((_, i) => i == 0 ? (double?)null : -1)]) { Ids = ids };
        Assert.Equal(expected, ScoringEndpointStudent.FirstResponseToken(Scored(whole), Scored(prompt), prefixChars: 40));
    }
}
