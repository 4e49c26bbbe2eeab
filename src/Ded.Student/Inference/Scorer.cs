using Ded.Student.Training;
using static TorchSharp.torch;

namespace Ded.Student.Inference;

/// <summary>One response token under the model: its log-probability, the entropy of the model's whole predictive
/// distribution at that position (how unsure the model was, whatever the token), and its rank in that distribution
/// (1 + the tokens the model found strictly more likely, as the Rank-Surprisal Ratio counts it).</summary>
public sealed record TokenScore(string Token, double LogProbNats, double EntropyNats, int Rank)
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
    /// <param name="window">A text longer than the block is scored whole with a sliding window (each token sees at least
    /// the half block before it, as strided perplexity is computed for fixed-length models) instead of cut at the block.</param>
    public static IReadOnlyList<ResponseScore> Score(TinyGpt model, CharTokenizer tokenizer,
        IReadOnlyList<(string Prompt, string Response)> pairs, int batchSize, CancellationToken ct, bool window = false)
    {
        using var noGrad = no_grad();
        model.eval();
        int block = model.Config.BlockSize;
        var examples = pairs.Select(p => TokenizedExample.ForSft(tokenizer, p.Prompt, p.Response)).ToList();
        var tokens = examples.Select(_ => new List<TokenScore>()).ToArray();
        var truncated = new bool[examples.Count];
        // Pieces are made as they are scored, so a long text's windows never all sit in memory at once.
        foreach (var batch in examples.SelectMany((e, i) => (window ? Windows(e, block) : [e]).Select(w => (Example: i, Window: w))).Chunk(batchSize))
        {
            ct.ThrowIfCancellationRequested();
            var scores = ScoreBatch(model, tokenizer, batch.Select(p => p.Window).ToList());
            for (int i = 0; i < batch.Length; i++)
            {
                tokens[batch[i].Example].AddRange(scores[i].Tokens);
                truncated[batch[i].Example] |= scores[i].IsTruncated;
            }
        }
        return examples.Select((_, e) => new ResponseScore(tokens[e], truncated[e])).ToList();
    }

    /// <summary>
    /// Pieces of at most block + 1 tokens that together score each target once: the first covers as much as fits from
    /// the start, each later one the next half block of targets with the block before them as context.
    /// </summary>
    private static IEnumerable<TokenizedExample> Windows(TokenizedExample e, int block)
    {
        int length = e.Tokens.Length, first = Array.IndexOf(e.IsTarget, true);
        if (length <= block + 1 || first < 0)
        {
            yield return e;
            yield break;
        }
        int stride = Math.Max(1, block / 2);
        for (int from = first, to = Math.Min(length, Math.Max(first + stride, block + 1)); from < length; from = to, to = Math.Min(length, to + stride))
        {
            int start = Math.Max(0, to - (block + 1));
            var isTarget = new bool[to - start];
            for (int p = from; p < to; p++) isTarget[p - start] = e.IsTarget[p];
            yield return new TokenizedExample(e.Tokens[start..to], isTarget);
        }
    }

    private static List<ResponseScore> ScoreBatch(TinyGpt model, CharTokenizer tokenizer, List<TokenizedExample> batch)
    {
        using var scope = NewDisposeScope();
        int block = model.Config.BlockSize;
        int T = Math.Min(batch.Max(e => e.Tokens.Length), block + 1) - 1;
        var ids = new long[batch.Count * T];
        var next = new long[batch.Count * T];
        for (int b = 0; b < batch.Count; b++)
            for (int i = 0; i < T; i++)
            {
                ids[b * T + i] = i < batch[b].Tokens.Length ? batch[b].Tokens[i] : CharTokenizer.Pad;
                next[b * T + i] = i + 1 < batch[b].Tokens.Length ? batch[b].Tokens[i + 1] : CharTokenizer.Pad;
            }
        var logProbs = model.Forward(tensor(ids, [batch.Count, T])).log_softmax(-1);                // (B, T, V)
        var entropy = -(logProbs.exp() * logProbs).sum(-1);                                           // (B, T)
        var target = logProbs.gather(-1, tensor(next, [batch.Count, T, 1]));                          // (B, T, 1)
        var rank = (logProbs > target).sum(-1) + 1;                                                   // (B, T)
        var lp = logProbs.cpu().data<float>().ToArray();
        var h = entropy.cpu().data<float>().ToArray();
        var r = rank.cpu().data<long>().ToArray();
        int V = (int)logProbs.shape[2];
        return batch.Select((example, b) => Collect(tokenizer, example, b, T, V, lp, h, r)).ToList();
    }

    /// <summary>Position i predicts token i + 1; keep the positions whose next token is a response target.</summary>
    private static ResponseScore Collect(CharTokenizer tokenizer, TokenizedExample example, int b, int T, int V, float[] lp, float[] h, long[] r)
    {
        var scores = new List<TokenScore>();
        for (int i = 0; i < T && i + 1 < example.Tokens.Length; i++)
        {
            if (!example.IsTarget[i + 1]) continue;
            int token = example.Tokens[i + 1];
            string text = token == CharTokenizer.Eos ? "<eos>" : tokenizer.Decode([token]);
            scores.Add(new TokenScore(text, lp[((long)b * T + i) * V + token], h[b * T + i], (int)r[b * T + i]));
        }
        return new ResponseScore(scores, example.Tokens.Length > T + 1);
    }
}
