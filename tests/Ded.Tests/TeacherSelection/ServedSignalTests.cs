using System.Text.Json;
using System.Text.Json.Nodes;
using Ded.Data.Templates;
using Ded.Recipes;
using Ded.Runs;
using Ded.TeacherSelection;
using Ded.Teachers;
using Ded.Teachers.Endpoints;
using Ded.Tests.Spine;
using Ded.Training;
using Ded.Verification;
using Xunit;

namespace Ded.Tests.TeacherSelection;

/// <summary>
/// The cheap signals from a base student served by vLLM: the response's tokens are found in prompt_logprobs (answers in
/// vLLM's own shapes, <see cref="VllmScoringServer"/>), and the Rank-Surprisal Ratio is worked out here from the server's
/// rule, independently of <see cref="TeacherSignals"/>: per response mean min(rank, 100) and mean −logprob, per teacher
/// Σ of the means over Σ of the means (UmeanNever/RankSurprisalRatio@1c908eef8af9553d4ee4939765416abd364b5bc5:rsr_cal.py).
/// </summary>
public class ServedSignalTests
{
    private static readonly ChatTemplate ChatMl = ChatTemplate.Get("chatml");
    private static string Prefix(string question) => ChatMl.RenderPrompt([ChatMessage.User(question)]);

    /// <summary>The server's log-probabilities and ranks of the tokens after the chat-template prompt; a token that
    /// straddles the prompt's end counts as the response's.</summary>
    private static (double[] LogProbs, int[] Ranks) ResponseTokens(string question, string response)
    {
        int prefix = Prefix(question).Length;
        var tokens = VllmScoringServer.Tokens(Prefix(question) + response);
        int first = Enumerable.Range(0, tokens.Count).First(i => (i + 1) * VllmScoringServer.TokenChars > prefix);
        var positions = Enumerable.Range(first, tokens.Count - first).ToList();
        return ([.. positions.Select(VllmScoringServer.LogProb)], [.. positions.Select(VllmScoringServer.Rank)]);
    }

    private static (double Rank, double Surprisal) Means(string question, string response)
    {
        var (logProbs, ranks) = ResponseTokens(question, response);
        return (ranks.Average(r => Math.Min(r, 100.0)), logProbs.Average(lp => -lp));
    }

    [Fact]
    public async Task AServedStudentScoresOnlyTheResponseTokensWithTheirRanks()
    {
        await using var server = await VllmScoringServer.StartAsync();
        using var student = new ScoringEndpointStudent(new EndpointOptions { BaseUrls = [server.BaseUrl], Model = "base" }, null, Prefix);
        const string question = "What is 2 + 2?", response = "Two and two make four, so \\boxed{4}.";
        Assert.NotEqual(0, Prefix(question).Length % VllmScoringServer.TokenChars); // the first response token straddles the prompt's end

        var scores = (await student.ScoreAsync([new SftExample(question, response)], CancellationToken.None)).Single();

        var (logProbs, ranks) = ResponseTokens(question, response);
        Assert.Equal(logProbs, scores.LogProbs);
        Assert.Equal(ranks, scores.Ranks);
        Assert.Contains(scores.Ranks, r => r > 100);
        Assert.Empty(scores.EntropiesBits);
        Assert.False(scores.EndsWithEndToken);
        // The prompt alone (its token ids mark where the response starts), then prompt + response.
        Assert.Equal([Prefix(question), Prefix(question) + response], server.Bodies.Select(b => b["prompt"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(server.Bodies, body => Assert.Equal((0, 1, true),
            (body["prompt_logprobs"]!.GetValue<int>(), body["max_tokens"]!.GetValue<int>(), body["return_token_ids"]!.GetValue<bool>())));

        var signal = TeacherSignals.Of("t", scores)!;
        var (rank, surprisal) = Means(question, response);
        Assert.Equal(rank, signal.AvgRankClip, 12);
        Assert.Equal(surprisal, signal.AvgSurprisal, 12);
        Assert.Equal(rank / surprisal, signal.Rsr, 12); // Σ clipped rank / Σ surprisal over one response
    }

    private static readonly (string Question, string Answer)[] Questions = [("What is 2 + 2?", "4"), ("Solve x + 3 = 5.", "2")];
    private static string Brief(int q) => $"\\boxed{{{Questions[q].Answer}}}";
    private static string Rambling(int q) => string.Concat(Enumerable.Repeat("Let me think about this once more. ", 12)) + Brief(q);

    private static string Recipe(string dir, string url) => $"""
        name: served-signals
        questions:
          sources:
            - jsonl: {"{"} path: {dir}/questions.jsonl, domain: math {"}"}
        teachers:
          - {"{"} name: brief, recorded: {"{"} path: traces.jsonl, question_field: question, response_field: response, where: {"{"} teacher: brief {"}"} {"}"} {"}"}
          - {"{"} name: rambling, recorded: {"{"} path: traces.jsonl, question_field: question, response_field: response, where: {"{"} teacher: rambling {"}"} {"}"} {"}"}
        student: {"{"} endpoint: {"{"} base_url: '{url}', model: base, retry: {"{"} max_attempts: 1 {"}"} {"}"}, chat_template: chatml {"}"}
        verifier: math
        filters: {"{"} length_unit: chars, think_pairing: false {"}"}
        select_teacher:
          signals: {"{"} responses: 4, seed: 1 {"}"}
        """;

    private static async Task<SelectionOutcome> SignalsOnlyAsync(TempDir dir, string yaml, List<string> log)
    {
        var recipe = RecipeLoader.Parse(yaml, dir.File("recipe.yaml"), LabExtension.Kinds);
        var (verifier, _) = Verifiers.Create(recipe.Verifier, () => throw new InvalidOperationException("math needs no sandbox"), recipe.Extensions);
        var services = new CurationServices { Teachers = spec => TeacherClients.Create(spec, TimeSpan.Zero), Verifier = verifier, Log = log.Add };
        var run = CurationRun.Prepare(recipe, yaml, services, throughExport: false);
        run = run with { Teachers = [.. TeacherSelectionStage.Candidates(recipe).Select(services.Teachers)] };
        using var store = RunStore.Open(dir.File("select"));
        return await TeacherSelectionStage.RunAsync(store, run, services, new SelectTeacherRequest { IsSignalsOnly = true }, CancellationToken.None);
    }

    /// <summary>A student whose context cannot hold a teacher's responses refuses them (HTTP 400, as vLLM does): that teacher
    /// has no signals and says why, the other is scored, and once the student can hold them a rerun scores the refused
    /// teacher and reuses the other's scores.</summary>
    [Fact]
    public async Task ATeacherWhoseResponsesTheStudentRefusesHasNoSignalsUntilARerunScoresThem()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("questions.jsonl"), Questions.Select((q, i) => JsonSerializer.Serialize(new { id = $"q{i}", question = q.Question, answer = q.Answer })));
        File.WriteAllLines(dir.File("traces.jsonl"), Enumerable.Range(0, Questions.Length).SelectMany(i => new[]
        {
            JsonSerializer.Serialize(new { question = Questions[i].Question, teacher = "brief", response = Brief(i) }),
            JsonSerializer.Serialize(new { question = Questions[i].Question, teacher = "rambling", response = Rambling(i) }),
        }));
        await using var server = await VllmScoringServer.StartAsync();
        server.MaxModelLen = 60; // holds the brief answers (~25 tokens with the prompt), not the rambling ones (~160)
        var yaml = Recipe(dir.Path, server.BaseUrl);
        var log = new List<string>();

        var first = await SignalsOnlyAsync(dir, yaml, log);

        var brief = first.Teachers.Single(t => t.Name == "brief");
        var expected = Enumerable.Range(0, Questions.Length).Select(i => Means(Questions[i].Question, Brief(i))).ToList();
        Assert.Equal(expected.Sum(m => m.Rank) / expected.Sum(m => m.Surprisal), brief.Signal!.Rsr!.Value, 12); // responses weighted equally
        Assert.Null(brief.Signal.EntropyBits);
        Assert.Contains("entropy not available: a served student returns no distribution", brief.SignalNote);
        var rambling = first.Teachers.Single(t => t.Name == "rambling");
        Assert.Null(rambling.Signal);
        Assert.StartsWith("no signals: the base student could not score the 2 sampled responses (", rambling.SignalNote);
        Assert.Contains("maximum context length is 60 tokens", rambling.SignalNote);
        var line = JsonNode.Parse(SelectionJsonLine.Of(first))!;
        Assert.All(line["teachers"]![1]!["signals"]!.AsObject(), kv => Assert.Null(kv.Value));
        Assert.Null(line["winner"]);

        server.MaxModelLen = 100_000;
        int asked = server.Bodies.Count;
        var second = await SignalsOnlyAsync(dir, yaml, log);
        Assert.Equal(asked + 4, server.Bodies.Count); // only the refused teacher's two responses are sent again (each with its prompt alone)
        Assert.Contains("signals brief: 2 responses scored by an earlier run (select-teacher/signals.json)", log);
        var scored = second.Teachers.Single(t => t.Name == "rambling").Signal!;
        var means = Enumerable.Range(0, Questions.Length).Select(i => Means(Questions[i].Question, Rambling(i))).ToList();
        Assert.Equal(means.Sum(m => m.Rank) / means.Sum(m => m.Surprisal), scored.Rsr!.Value, 12);
        Assert.Equal((2, 0), (scored.Scored, scored.Empty));
    }
}
