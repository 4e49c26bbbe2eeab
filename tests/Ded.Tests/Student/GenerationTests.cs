using Ded.Student;
using Ded.Student.Inference;
using Ded.Student.Training;
using Xunit;
using static TorchSharp.torch;

namespace Ded.Tests.Student;

[Collection(TorchCollection.Name)]
public class GenerationTests
{
    // prompts of different lengths, so the batch is left-padded and the padding mask matters
    private static readonly string[] Prompts = ["1+1", "reverse abc", "x", "copy 12345"];

    public static TheoryData<string, double, double> Samplers => new()
    {
        { "greedy", 0.0, 1.0 },
        { "temperature 1", 1.0, 1.0 },
        { "temperature 0.8, top-p 0.9", 0.8, 0.9 },
    };

    [Theory]
    [MemberData(nameof(Samplers))]
    public void KvCacheGivesTheSameTokensAsFullRecompute(string sampler, double temperature, double topP)
    {
        using var student = LabStudent.Create(Tiny.Config, seed: 3, threads: 1);
        var options = new GenerateOptions { MaxNewTokens = 24, Temperature = temperature, TopP = topP, Seed = 11 };
        var cached = student.Generate(Prompts, options, CancellationToken.None);
        var recomputed = student.Generate(Prompts, options with { UseKvCache = false }, CancellationToken.None);
        Assert.Equal(recomputed, cached);
        Assert.True(cached.Sum(c => c.TokenCount) >= 8, $"{sampler}: too few tokens generated to compare");
    }

    [Fact]
    public void IncrementalLogitsMatchTheFullForward()
    {
        using var model = new TinyGpt(Tiny.Config, seed: 5);
        using var noGrad = no_grad();
        using var ids = tensor(new long[] { 1, 20, 30, 40, 50, 60, 70, 80 }, [1, 8]);
        using var full = model.Forward(ids);                          // (1, 8, V)
        using var cache = model.NewCache(1);
        using var prefix = model.Forward(ids.narrow(1, 0, 5), cache);  // positions 0..4 at once
        Assert.True(prefix.allclose(full.narrow(1, 0, 5), rtol: 0, atol: 1e-5));
        for (int t = 5; t < 8; t++)
        {
            using var step = model.Forward(ids.narrow(1, t, 1), cache); // one position at a time
            Assert.True(step.allclose(full.narrow(1, t, 1), rtol: 0, atol: 1e-5), $"position {t}");
        }
        Assert.Equal(8, cache.Length);
    }

    [Fact]
    public void LeftPaddingDoesNotChangeAPromptsCompletion()
    {
        using var student = LabStudent.Create(Tiny.Config, seed: 3, threads: 1);
        var options = new GenerateOptions { MaxNewTokens = 16, Temperature = 0 };
        var alone = student.Generate(["x"], options, CancellationToken.None)[0];
        var padded = student.Generate(["a much longer prompt", "x"], options, CancellationToken.None)[1];
        Assert.Equal(alone, padded);
    }

    [Fact]
    public void SameSeedSameTextsOtherSeedOtherTexts()
    {
        using var student = LabStudent.Create(Tiny.Config, seed: 3, threads: 1);
        var options = new GenerateOptions { MaxNewTokens = 24, Temperature = 1.0, TopP = 1.0, Seed = 1 };
        var first = student.Generate(Prompts, options, CancellationToken.None);
        Assert.Equal(first, student.Generate(Prompts, options, CancellationToken.None));
        Assert.NotEqual(first, student.Generate(Prompts, options with { Seed = 2 }, CancellationToken.None));
    }

    [Fact]
    public void MaxNewTokensEndsWithLength()
    {
        using var student = LabStudent.Create(Tiny.Config, seed: 3, threads: 1);
        var completions = student.Generate(["x"], new GenerateOptions { MaxNewTokens = 5, Temperature = 0 }, CancellationToken.None);
        var c = Assert.Single(completions);
        if (c.FinishReason == FinishReason.Length) Assert.Equal(5, c.TokenCount);
        else Assert.True(c.TokenCount <= 5);
    }
}
