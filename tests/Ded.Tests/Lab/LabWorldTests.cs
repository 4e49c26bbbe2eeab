using Ded.Lab;
using Microsoft.Extensions.AI;
using Xunit;

namespace Ded.Tests.Lab;

public class LabWorldTests
{
    private static readonly LabPoolOptions EveryFamily = new() { Families = LabWorld.Families, Count = 140, MinDifficulty = 1, MaxDifficulty = 5, Seed = 7 };

    [Fact]
    public void PoolIsDeterministicDistinctAndBalanced()
    {
        var a = LabWorld.Pool(EveryFamily);
        var b = LabWorld.Pool(EveryFamily);
        Assert.Equal(a, b);
        Assert.Equal(a.Count, a.Select(p => p.Question).Distinct().Count());
        Assert.Equal(a.Count, a.Select(p => p.Id).Distinct().Count());
        Assert.All(LabWorld.Families, f => Assert.Equal(20, a.Count(p => p.Family == f)));
        Assert.NotEqual(a, LabWorld.Pool(EveryFamily with { Seed = 8 }));
    }

    [Fact]
    public void ExcludedQuestionsAreNeverDrawn()
    {
        var train = LabWorld.Pool(EveryFamily);
        var heldOut = LabWorld.Pool(EveryFamily with { Seed = 8, Exclude = train.Select(p => p.Question).ToHashSet() });
        Assert.Empty(heldOut.Select(p => p.Question).Intersect(train.Select(p => p.Question)));
    }

    [Theory]
    [InlineData("Start at 12. Add 7, multiply by 3, subtract 5. Result?", "52")]
    [InlineData("Solve for x: x - 4 = 9", "13")]
    [InlineData("Solve for x: 3x + 7 = 22", "5")]
    [InlineData("Solve for x: 5x - 4 = 2x + 11", "5")]
    [InlineData("Solve for x: 3(x - 4) = -6", "2")]
    [InlineData("Remainder of 347 divided by 9?", "5")]
    [InlineData("What does this print?\nx = 3\nfor i in range(3):\n    x = x * 2 + i\nprint(x)", "28")]
    [InlineData("What does this print?\nx = 5\nfor i in range(2, 4):\n    x = x + 3 * i\nprint(x)", "20")]
    [InlineData("Reverse the word: abcde", "edcba")]
    [InlineData("Sort the digits of 50913 ascending.", "01359")]
    [InlineData("How many 'a' in 'abracadabra'?", "5")]
    public void FamiliesSolveHandCheckedQuestions(string question, string answer) =>
        Assert.Equal(answer, LabWorld.Solve(question, Slip.None)!.Value.Solution.Answer);

    [Fact]
    public void EveryGeneratedQuestionIsReadBackToItsGold()
    {
        foreach (var p in LabWorld.Pool(EveryFamily))
            Assert.Equal(p.Answer, LabWorld.Solve(p.Question, Slip.None)!.Value.Solution.Answer);
    }

    [Fact]
    public void APoolPastTheSmallFamiliesIsFilledByTheOthersAndBeginsAsTheSmallPool()
    {
        // Issue 16: `count` up to 1,000,000 is documented; linear holds only a few thousand problems at difficulty 1..4.
        var options = new LabPoolOptions { Families = LabWorld.InDomainFamilies, Count = 50_000, MinDifficulty = 1, MaxDifficulty = 4, Seed = 1 };
        var big = LabWorld.Pool(options);
        Assert.Equal(options.Count, big.Select(p => p.Question).Distinct().Count());
        Assert.Equal(options.Count, big.Select(p => p.Id).Distinct().Count());
        Assert.InRange(big.Count(p => p.Family == "linear"), 1, options.Count / 8);
        var small = LabWorld.Pool(options with { Count = 200 });
        Assert.Equal(small, big.Take(small.Count));
        foreach (var p in big.Where((_, i) => i % 97 == 0))
            Assert.Equal(p.Answer, LabWorld.Solve(p.Question, Slip.None)!.Value.Solution.Answer);
    }

    [Fact]
    public void APoolLargerThanItsFamiliesHoldSaysHowManyThereAre()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            LabWorld.Pool(new LabPoolOptions { Families = ["linear"], Count = 100_000, MinDifficulty = 1, MaxDifficulty = 2, Seed = 1 }));
        Assert.Matches(@"^the lab has only [\d,]+ distinct problems in linear at difficulty 1\.\.2, not 100,000; ask for fewer", e.Message);
    }

    [Fact]
    public void UnknownFamilyNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => LabWorld.Pool(new LabPoolOptions { Families = ["algebra"] }));
        Assert.Contains("unknown lab family 'algebra'", e.Message);
        Assert.Contains("arithmetic", e.Message);
    }
}

public class LabTeacherTests
{
    private static readonly IReadOnlyList<LabProblem> Pool =
        LabWorld.Pool(new LabPoolOptions { Families = LabWorld.InDomainFamilies, Count = 80, MinDifficulty = 1, MaxDifficulty = 5, Seed = 3 });

    private static async Task<string> AskAsync(IChatClient teacher, string question, long seed, float temperature = 1f, int? max = null) =>
        (await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, question)], new ChatOptions { Seed = seed, Temperature = temperature, MaxOutputTokens = max })).Text;

    private static async Task<double> AccuracyAsync(string name, float temperature = 1f)
    {
        var teacher = LabTeachers.Create(name);
        int correct = 0;
        for (int s = 0; s < 4; s++)
            foreach (var p in Pool)
                if (LabAnswers.ExtractBoxed(await AskAsync(teacher, p.Question, s, temperature)) == p.Answer) correct++;
        return correct / (4.0 * Pool.Count);
    }

    [Fact]
    public async Task SameSeedSameTextOtherSeedOtherText()
    {
        var teacher = LabTeachers.Create("verbose");
        string q = Pool[0].Question;
        Assert.Equal(await AskAsync(teacher, q, 1), await AskAsync(teacher, q, 1));
        var texts = new HashSet<string>();
        for (int s = 0; s < 8; s++) texts.Add(await AskAsync(teacher, q, s));
        Assert.True(texts.Count >= 6, $"8 samples gave only {texts.Count} distinct texts");
    }

    [Fact]
    public async Task PersonalitiesDiffer()
    {
        Assert.Equal(1.0, await AccuracyAsync("oracle"));
        Assert.Equal(1.0, await AccuracyAsync("explorer"));
        double careful = await AccuracyAsync("careful");
        Assert.InRange(careful, 0.6, 0.97);
        Assert.Equal(1.0, await AccuracyAsync("careful", temperature: 0f));
        var oracle = await AskAsync(LabTeachers.Create("oracle"), Pool[1].Question, 0);
        var verbose = await AskAsync(LabTeachers.Create("verbose"), Pool[1].Question, 0);
        Assert.True(verbose.Length > 3 * oracle.Length);
        Assert.StartsWith("<think>\n", oracle);
    }

    [Fact]
    public async Task MaxOutputTokensCutsAndReportsLength()
    {
        var response = await LabTeachers.Create("verbose").GetResponseAsync([new ChatMessage(ChatRole.User, Pool[2].Question)], new ChatOptions { Seed = 1, MaxOutputTokens = 20 });
        Assert.Equal(20, response.Text.Length);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Theory]
    [InlineData(@"x \boxed{12}", "12")]
    [InlineData(@"\boxed{1} then \boxed{\frac{1}{2}}", @"\frac{1}{2}")]
    [InlineData(@"\boxed{12", null)]
    [InlineData("no box", null)]
    public void ExtractsLastBoxed(string response, string? expected) => Assert.Equal(expected, LabAnswers.ExtractBoxed(response));
}
