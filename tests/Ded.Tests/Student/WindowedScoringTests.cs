using Ded.Student;
using Ded.Student.Training;
using Xunit;
using static TorchSharp.torch;

namespace Ded.Tests.Student;

/// <summary>The in-process scorer as the teacher-fit signals use it: every token of a long real trace, and each token's rank.</summary>
[Collection(TorchCollection.Name)]
public class WindowedScoringTests
{
    [Fact]
    public void ALongResponseIsScoredWholeAndEachTokenAsItsWindowSeesIt()
    {
        using var student = LabStudent.Create(Tiny.Config, seed: 3, threads: 1); // block 64
        var prompt = "What is 12 + 30?";
        var response = string.Concat(Enumerable.Range(0, 12).Select(i => $"step {i}: add {i} to the sum. "));
        var whole = student.Score([(prompt, response)], CancellationToken.None, window: true)[0];
        var cut = student.Score([(prompt, response)], CancellationToken.None)[0];

        Assert.True(cut.IsTruncated);
        Assert.False(whole.IsTruncated);
        Assert.Equal(response.Length + 1, whole.Tokens.Count); // every character and EOS
        // Up to the block the window is the whole text so far: the same scores as the cut scoring.
        Assert.All(cut.Tokens.Zip(whole.Tokens), p => Assert.Equal(p.First.LogProbNats, p.Second.LogProbNats, 5));
        // The last character is predicted from the block-long window that ends with it, as the model reads that window alone.
        var ids = TokenizedExample.ForSft(student.Tokenizer, LabStudent.FormatPrompt(prompt), response).Tokens;
        int block = Tiny.Config.BlockSize, start = ids.Length - (block + 1);
        using (no_grad())
        {
            student.Model.eval();
            var window = tensor(ids[start..^1].Select(i => (long)i).ToArray(), [1, block]);
            var logProbs = student.Model.Forward(window)[0, ids.Length - 3 - start].log_softmax(-1);          // (V): predicts ids[^2]
            Assert.Equal(logProbs[ids[^2]].item<float>(), whole.Tokens[^2].LogProbNats, 5);
        }
    }

    [Fact]
    public void ATokensRankIsOnePlusTheTokensTheModelFindsStrictlyMoreLikely()
    {
        using var student = LabStudent.Create(Tiny.Config, seed: 5, threads: 1);
        const string prompt = "Solve 3x + 1 = 10.";
        var context = new List<int> { CharTokenizer.Bos };
        student.Tokenizer.Encode(LabStudent.FormatPrompt(prompt), context);
        float[] all;
        using (no_grad())
        {
            student.Model.eval();
            var logits = student.Model.Forward(tensor(context.Select(i => (long)i).ToArray(), [1, context.Count]));   // (1, T, V)
            all = logits[0, context.Count - 1].log_softmax(-1).data<float>().ToArray();                                 // (V)
        }
        foreach (var c in "x=3 ?\n")
        {
            var token = student.Score(prompt, c.ToString()).Tokens[0];
            int id = student.Tokenizer.Encode(c.ToString())[0];
            Assert.Equal(1 + all.Count(lp => lp > all[id]), token.Rank);
        }

        using (no_grad())
            foreach (var (_, p) in student.Model.named_parameters()) p.zero_(); // uniform: every token ties with every other
        Assert.All(student.Score(prompt, "42").Tokens, t => Assert.Equal(1, t.Rank)); // ties do not push a token down
    }
}
