using Ded.Student;
using Ded.Student.Inference;
using Ded.Student.Training;
using Xunit;
using static TorchSharp.torch;

namespace Ded.Tests.Student;

[Collection(TorchCollection.Name)]
public class TrainingTests
{
    /// <summary>Copy task: the answer repeats the question's digits.</summary>
    private static List<(string, string)> CopyTask(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var digits = string.Concat(Enumerable.Range(0, 4).Select(_ => (char)('0' + random.Next(10))));
            return (digits, digits);
        }).ToList();
    }

    /// <summary>Upper-case task: "a" -> "AA"; one lookup, one copy, then EOS.</summary>
    private static List<(string, string)> UpperTask() =>
        Enumerable.Range(0, 26).Select(i => (((char)('a' + i)).ToString(), new string((char)('A' + i), 2))).ToList();

    private static readonly TrainOptions Fast = new() { Steps = 200, BatchSize = 8, BlockSize = 32, WarmupSteps = 5, LearningRate = 1e-2, Threads = 1 };

    [Fact]
    public void SftOnATrivialTaskCutsTheLoss()
    {
        using var student = LabStudent.Create(Tiny.Config, seed: 1, threads: 1);
        var data = UpperTask();
        double before = student.MeanLoss(data, CancellationToken.None);
        var report = student.Sft(data, Fast, CancellationToken.None);
        double after = student.MeanLoss(data, CancellationToken.None);
        Assert.True(after < 0.3 * before, $"loss {before:F3} -> {after:F3}");
        var answers = student.Generate(["a", "q", "z"], new GenerateOptions { Temperature = 0, MaxNewTokens = 8 }, CancellationToken.None);
        Assert.Equal(["AA", "QQ", "ZZ"], answers.Select(c => c.Text));
        Assert.All(answers, c => Assert.Equal(FinishReason.Eos, c.FinishReason));
        var stopped = student.Generate(["k"], new GenerateOptions { Temperature = 0, StopStrings = ["K"] }, CancellationToken.None)[0];
        Assert.Equal(new Completion("", FinishReason.StopString, 1), stopped);
        Assert.Equal(200, report.Losses.Count);
        Assert.Equal(200, student.Step);
        Assert.True(report.TargetTokens > 0 && report.TargetTokens < report.TokensProcessed);
    }

    [Fact]
    public void PromptTokensGetNoGradient()
    {
        var row = Packer.Pack([TokenizedExample.ForSft(CharTokenizer.Lab, "abc", "de")], blockSize: 8, out _)[0];
        using var logits = randn(1, 8, CharTokenizer.LabVocabSize).requires_grad_();
        using var targets = tensor(row.Targets, [1, 8]);
        using var loss = Trainer.SummedLoss(logits, targets, out long counted);
        loss.backward();
        var gradNorms = logits.grad!.abs().sum(-1).squeeze(0).data<float>().ToArray(); // per position
        // position i predicts token i+1: BOS a b c | d e EOS | pad -> positions 3, 4, 5 carry the response targets
        Assert.Equal(3, counted);
        Assert.Equal([0f, 0f, 0f], gradNorms[..3]);
        Assert.All(gradNorms[3..6], g => Assert.True(g > 0));
        Assert.Equal([0f, 0f], gradNorms[6..]);
    }

    [Fact]
    public void SftLossIsTheResponseLogProbsNegated()
    {
        using var model = new TinyGpt(Tiny.Config, seed: 2);
        using var noGrad = no_grad();
        var row = Packer.Pack([TokenizedExample.ForSft(CharTokenizer.Lab, "abc", "de")], blockSize: 8, out _)[0];
        using var inputs = tensor(row.Inputs.Select(i => (long)i).ToArray(), [1, 8]);
        using var a = Trainer.SummedLoss(model, inputs, tensor(row.Targets, [1, 8]), out long counted);
        // the loss counts exactly the response and EOS: what the scorer reports for the response, negated
        Assert.Equal(3, counted);
        var score = Scorer.Score(model, CharTokenizer.Lab, [("abc", "de")], 4, CancellationToken.None)[0];
        Assert.Equal(3, score.Tokens.Count);
        Assert.Equal(-score.Tokens.Sum(t => t.LogProbNats), a.item<float>(), 4);
    }

    [Fact]
    public void ResumingFromACheckpointMatchesAnUnbrokenRun()
    {
        var data = CopyTask(64, seed: 2).Select(p => TokenizedExample.ForSft(CharTokenizer.Lab, p.Item1, p.Item2)).ToList();
        var options = Fast with { Steps = 8, WarmupSteps = 2, BatchSize = 2 };
        using var unbroken = new TinyGpt(Tiny.Config, seed: 4);
        Trainer.Train(unbroken, CharTokenizer.Lab, data, options, null, null, CancellationToken.None);

        var dir = Tiny.TempDir();
        try
        {
            using var first = new TinyGpt(Tiny.Config, seed: 4);
            using var interrupt = new CancellationTokenSource();
            Assert.Throws<OperationCanceledException>(() => Trainer.Train(first, CharTokenizer.Lab, data,
                options with { CheckpointDir = dir, CheckpointEvery = 5 }, null, (step, _) => { if (step == 6) interrupt.Cancel(); }, interrupt.Token));
            using var resumed = new TinyGpt(Tiny.Config, seed: 99); // weights come from the checkpoint
            var report = Trainer.Train(resumed, CharTokenizer.Lab, data, options with { ResumeFrom = dir }, null, null, CancellationToken.None);
            Assert.Equal(3, report.Losses.Count);
            foreach (var ((name, p), (_, q)) in unbroken.named_parameters().Zip(resumed.named_parameters()))
                Assert.True(p.eq(q).all().item<bool>(), $"{name} differs after resume");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
