using Ded.Student.Training;
using static TorchSharp.torch;

namespace Ded.Student.Inference;

/// <summary>One response token under the model: its log-probability, the entropy of the model's whole predictive
/// distribution at that position (how unsure the model was, whatever the token), and its rank in that distribution
/// (1 = the model's top choice; ties count in the token's favour, as in the Rank-Surprisal Ratio's reference code).</summary>
public sealed record TokenScore(string Token, double LogProbNats, double EntropyNats, int Rank = 1)
{
    public double LogProbBits => LogProbNats / Math.Log(2);
    public double EntropyBits => EntropyNats / Math.Log(2);
}

/// <summary>Scores of a response's tokens, then EOS (so the mean log-prob is the SFT loss on that example, negated).
/// <see cref="IsTruncated"/>: the text did not fit the block and only its start was scored.</summary>
public sealed record ResponseScore(IReadOnlyList<TokenScore> Tokens, bool IsTruncated)
{
    public double MeanLogProbNats => Tokens.Count == 0 ? double.NaN : Tokens.Average(t => t.LogProbNats);
    public double MeanEntropyNats => Tokens.Count == 0 ? double.NaN : Tokens.Average(t => t.EntropyNats);
}

/// <summary>Teacher-forced scoring of responses given prompts, batched and right-padded (causal attention means the
/// padding after a text cannot change its scores).</summary>
public static class Scorer
{
    public static IReadOnlyList<ResponseScore> Score(TinyGpt model, CharTokenizer tokenizer,
        IReadOnlyList<(string Prompt, string Response)> pairs, int batchSize, CancellationToken ct)
    {
        using var noGrad = no_grad();
        model.eval();
        var results = new List<ResponseScore>(pairs.Count);
        for (int i = 0; i < pairs.Count; i += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = pairs.Skip(i).Take(batchSize).Select(p => TokenizedExample.ForSft(tokenizer, p.Prompt, p.Response)).ToList();
            results.AddRange(ScoreBatch(model, tokenizer, batch));
        }
        return results;
    }

    private static IEnumerable<ResponseScore> ScoreBatch(TinyGpt model, CharTokenizer tokenizer, List<TokenizedExample> batch)
    {
        using var scope = NewDisposeScope();
        int block = model.Config.BlockSize;
        int T = Math.Min(batch.Max(e => e.Tokens.Length), block + 1) - 1;
        var ids = new long[batch.Count * T];
        for (int b = 0; b < batch.Count; b++)
            for (int i = 0; i < T; i++)
                ids[b * T + i] = i < batch[b].Tokens.Length ? batch[b].Tokens[i] : CharTokenizer.Pad;
        var input = tensor(ids, [batch.Count, T]);                                        // (B, T)
        var logProbs = model.Forward(input).log_softmax(-1);                              // (B, T, V)
        var entropy = -(logProbs.exp() * logProbs).sum(-1);                              // (B, T)
        // Rank of the next token: 1 + how many tokens the model put strictly above it. The last position has no next
        // token in the window; it is never collected, so any id does there.
        var nextIds = cat([input.narrow(1, 1, T - 1), zeros(batch.Count, 1, int64)], 1);   // (B, T)
        var target = logProbs.gather(-1, nextIds.unsqueeze(-1));                          // (B, T, 1)
        var rank = logProbs.gt(target).sum(-1) + 1;                                       // (B, T)
        var lp = logProbs.cpu().data<float>().ToArray();
        var h = entropy.cpu().data<float>().ToArray();
        var r = rank.cpu().data<long>().ToArray();
        int V = (int)logProbs.shape[2];
        return batch.Select((example, b) => Collect(tokenizer, example, b, T, V, lp, h, r)).ToList();
    }

    /// <summary>Position i predicts token i + 1; keep the positions whose next token is a response target.</summary>
    private static ResponseScore Collect(CharTokenizer tokenizer, TokenizedExample example, int b, int T, int V, float[] lp, float[] h, long[] rank)
    {
        var scores = new List<TokenScore>();
        for (int i = 0; i < T && i + 1 < example.Tokens.Length; i++)
        {
            if (!example.IsTarget[i + 1]) continue;
            int token = example.Tokens[i + 1];
            string text = token == CharTokenizer.Eos ? "<eos>" : tokenizer.Decode([token]);
            scores.Add(new TokenScore(text, lp[((long)b * T + i) * V + token], h[b * T + i], (int)rank[b * T + i]));
        }
        return new ResponseScore(scores, example.Tokens.Length > T + 1);
    }
}
