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
    public void EveryGeneratedQuestionIsReadBackToItsGoldAtEitherGranularity()
    {
        foreach (var p in LabWorld.Pool(EveryFamily))
        {
            Assert.Equal(p.Answer, LabWorld.Solve(p.Question, Slip.None)!.Value.Solution.Answer);
            Assert.Equal(p.Answer, LabWorld.Solve(p.Question, Slip.None, LabGranularity.Fine)!.Value.Solution.Answer);
        }
    }

    // The fine method splits what a tiny student cannot do at once; each row is worked by hand.
    [Theory]
    [InlineData("Remainder of 347 divided by 9?", "347 / 9 = 38 r|38 * 9 = 342|347 - 342 = 5", "3 % 9 = 3|34 % 9 = 7|77 % 9 = 5")]
    [InlineData("Start at 17. Multiply by 3, add 5. Result?", "17 * 3 = 51|51 + 5 = 56", "17 * 3 = 30 + 21 = 51|51 + 5 = 56")]
    [InlineData("Start at 8. Add 5, subtract 4. Result?", "8 + 5 = 13|13 - 4 = 9", "8 + 5 = 10 + 3 = 13|13 - 4 = 10 - 1 = 9")]
    [InlineData("What does this print?\nx = 3\nfor i in range(2):\n    x = x * 2 + i\nprint(x)",
        "i=0: x = 3 * 2 + 0 = 6|i=1: x = 6 * 2 + 1 = 13", "i=0: x = 3 * 2 + 0 = 6 + 0 = 6|i=1: x = 6 * 2 + 1 = 12 + 1 = 13")]
    [InlineData("Solve for x: 5x - 4 = 2x + 11", "5x - 2x = 11 + 4|3x = 15|x = 15 / 3 = 5", "5x - 2x = 3x|11 + 4 = 15|x = 15 / 3 = 5")]
    [InlineData("Solve for x: 4x - 1 = x + 5", "4x - x = 5 + 1|3x = 6|x = 6 / 3 = 2", "4x - x = 3x|5 + 1 = 6|x = 6 / 3 = 2")]
    public void PlainAndFineStepsReadAsWorkedByHand(string question, string plain, string fine)
    {
        string Steps(LabGranularity g) => string.Join("|", LabWorld.Solve(question, Slip.None, g)!.Value.Solution.Steps.Select(s => s.Text));
        Assert.Equal(plain, Steps(LabGranularity.Plain));
        Assert.Equal(fine, Steps(LabGranularity.Fine));
    }

    [Fact]
    public void ASlipIsCarriedForward()
    {
        var slip = Slip.At(new Random(1), index: 0);
        var solved = LabWorld.Solve("Start at 12. Add 7, multiply by 3. Result?", slip)!.Value.Solution;
        long first = long.Parse(solved.Steps[0].Value);
        Assert.NotEqual(19, first);
        Assert.Equal($"{first} * 3 = {first * 3}", solved.Steps[1].Text); // the next step works from the slipped value
        Assert.Equal(1, slip.Count);
    }

    [Theory]
    [InlineData(47, 5, 42)]   // 7 + 5 carries: ten short
    [InlineData(52, -7, 55)]  // 2 - 7 borrows: ten over
    public void ASolverWithTheHabitForgetsOnlyCarriesAndBorrows(long a, long b, long forgotten)
    {
        var always = new Slip(new Random(1), probability: 0, forgetsCarry: 1);
        Assert.Equal(forgotten, always.Sum(a, b));
        Assert.Equal(a + 1, always.Sum(a, 1)); // no carry: nothing to forget
        Assert.Equal(a + b, new Slip(new Random(1), probability: 0).Sum(a, b)); // the teachers have no habit
    }

    // The habit reaches every in-domain family with sums: in a traced loop the plain step shows the expression and the
    // value it forgot the carry of; a solver without the habit gets the same question right.
    [Fact]
    public void TheHabitForgetsCarriesInTracedLoopsToo()
    {
        const string question = "What does this print?\nx = 7\nfor i in range(2, 5):\n    x = x + i\nprint(x)";
        var always = new Slip(new Random(1), probability: 0, forgetsCarry: 1);
        var solved = LabWorld.Solve(question, always)!.Value.Solution;
        Assert.Equal(["i=2: x = 7 + 2 = 9", "i=3: x = 9 + 3 = 2", "i=4: x = 2 + 4 = 6"], solved.Steps.Select(s => s.Text));
        Assert.Equal("16", LabWorld.Solve(question, new Slip(new Random(1), probability: 0))!.Value.Solution.Answer);
        var fine = LabWorld.Solve("What does this print?\nx = 8\nfor i in range(2):\n    x = x + 2 * i + 3\nprint(x)", always, LabGranularity.Fine)!.Value.Solution;
        Assert.Equal(["i=0: x = 8 + 2 * 0 + 3 = 8 + 0 + 3 = 8 + 3 = 1", "i=1: x = 1 + 2 * 1 + 3 = 1 + 2 + 3 = 3 + 3 = 6"], fine.Steps.Select(s => s.Text));
    }

    // The base's second phase (the hasty style) forgets carries; at temperature 0 no chance slip happens, so every
    // wrong answer starts at a forgotten carry, and the first phase (plain) and the teachers are always right.
    [Fact]
    public void TheHastyStyleGoesWrongOnlyWhereACarryIsForgotten()
    {
        var pool = LabWorld.Pool(new LabPoolOptions { Families = ["arithmetic"], Count = 300, MinDifficulty = 1, MaxDifficulty = 3, Seed = 3 });
        int wrong = 0;
        foreach (var (p, i) in pool.Select((p, i) => (p, i)))
        {
            string hasty = LabTeachers.Write(LabTeachers.HabitStyle, p.Question, i, temperature: 0);
            string careful = LabTeachers.Write("careful", p.Question, i, temperature: 0);
            Assert.Equal(p.Answer, LabAnswers.ExtractBoxed(careful));
            if (LabAnswers.ExtractBoxed(hasty) == p.Answer) continue;
            wrong++;
            // Same steps up to the forgotten carry (the openings differ: skip them), then that step is ten off.
            var step = hasty.Split('\n').Skip(2).Zip(careful.Split('\n').Skip(2)).First(pair => pair.First != pair.Second).First;
            var parts = step.Split(' '); // "a op b = c"
            long a = long.Parse(parts[0]), b = long.Parse(parts[2]), c = long.Parse(parts[4]);
            Assert.True(Math.Abs(c - (parts[1] == "+" ? a + b : a - b)) == 10, $"{hasty}\n---\n{careful}");
        }
        Assert.InRange(wrong, 30, 200);
        Assert.All(pool.Take(50).Select((p, i) => LabTeachers.Write(LabTeachers.BaseStyle, p.Question, i, temperature: 0)),
            (text, i) => Assert.Equal(pool[i].Answer, LabAnswers.ExtractBoxed(text))); // the first phase has no habit
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
        double careful = await AccuracyAsync("careful"), sloppy = await AccuracyAsync("sloppy");
        Assert.InRange(careful, 0.75, 0.97);
        Assert.True(sloppy < careful - 0.1, $"sloppy {sloppy} vs careful {careful}");
        foreach (var name in LabTeachers.Names)
            Assert.Equal(1.0, await AccuracyAsync(name, temperature: 0f)); // every slip and format break scales with temperature
    }

    [Fact]
    public async Task StylesShowTheirStepsAsDescribed()
    {
        const string remainder = "Remainder of 34712 divided by 9?";
        string Think(string text) => text[(text.IndexOf("<think>\n") + 8)..text.IndexOf("\n</think>")];
        async Task<string[]> LinesAsync(string teacher) => Think(await AskAsync(LabTeachers.Create(teacher), remainder, 1, 0f)).Split('\n');
        Assert.Single(await LinesAsync("oracle"));
        Assert.Equal(4, (await LinesAsync("careful")).Length);           // opening + division, product, difference
        Assert.Equal(6, (await LinesAsync("granular")).Length);          // opening + one line per digit
        Assert.Equal(3, (await LinesAsync("terse")).Length);             // opening + every other step and the last
        Assert.StartsWith("It is 8.", (await LinesAsync("answer-first"))[0]);
        Assert.Contains("Good.", (await LinesAsync("explorer"))[^1]);
        Assert.All((await LinesAsync("verbose")).Skip(1).SkipLast(1), l => Assert.Contains(" So ", " " + l));
    }

    [Fact]
    public void WrongAnswersKeepTheStyleAndMissTheGold()
    {
        foreach (var name in LabTeachers.Names)
            foreach (var p in Pool.Take(12))
            {
                string? wrong = LabTeachers.WrongAnswer(name, p.Question, p.Answer, seed: 3, temperature: 0.7f);
                Assert.NotNull(wrong);
                Assert.StartsWith("<think>\n", wrong);
                Assert.NotEqual(p.Answer, LabAnswers.ExtractBoxed(wrong));
                Assert.NotNull(LabAnswers.ExtractBoxed(wrong));
                Assert.Equal(wrong, LabTeachers.WrongAnswer(name, p.Question, p.Answer, seed: 3, temperature: 0.7f));
            }
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
