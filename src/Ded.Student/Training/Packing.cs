namespace Ded.Student.Training;

/// <summary>One training sequence: BOS, the text, EOS. <see cref="IsTarget"/>[j] says whether predicting token j
/// (from tokens before it) counts in the loss.</summary>
public sealed record TokenizedExample(int[] Tokens, bool[] IsTarget)
{
    /// <summary>Pretraining: every token after BOS is a target.</summary>
    public static TokenizedExample ForPretraining(CharTokenizer tokenizer, string text) => Build(tokenizer, "", text);

    /// <summary>SFT: only the response and its EOS are targets; the prompt is context (loss on the response only,
    /// as in the paper's SFT and open-r1's completion-only loss).</summary>
    public static TokenizedExample ForSft(CharTokenizer tokenizer, string prompt, string response) => Build(tokenizer, prompt, response);

    private static TokenizedExample Build(CharTokenizer tokenizer, string context, string target)
    {
        var ids = new List<int>(context.Length + target.Length + 2) { CharTokenizer.Bos };
        tokenizer.Encode(context, ids);
        int firstTarget = ids.Count;
        tokenizer.Encode(target, ids);
        ids.Add(CharTokenizer.Eos);
        var isTarget = new bool[ids.Count];
        Array.Fill(isTarget, true, firstTarget, ids.Count - firstTarget);
        return new TokenizedExample([.. ids], isTarget);
    }
}

/// <summary>Block-sized rows for the model: inputs and next-token targets, <see cref="Packer.Ignore"/> where no loss.</summary>
public sealed record PackedRow(int[] Inputs, long[] Targets);

/// <summary>Packs several examples into each row so little of a block is padding. Attention is NOT reset at example
/// boundaries: a later example may attend to an earlier one in the same row, as in GPT-2/nanoGPT pretraining. Every
/// example starts with BOS, so the model learns that BOS begins a fresh problem, and the plain causal mask keeps the
/// fast fused attention path. The loss is unaffected by the crossing: the target BOS of the next example is ignored.</summary>
public static class Packer
{
    /// <summary>Target value that cross-entropy skips (PyTorch's default ignore_index).</summary>
    public const long Ignore = -100;

    /// <summary>Greedy in the given order: an example goes into the current row if it fits, else starts a new row.
    /// An example longer than blockSize + 1 tokens is cut at the end (counted in <paramref name="truncated"/>).</summary>
    public static List<PackedRow> Pack(IEnumerable<TokenizedExample> examples, int blockSize, out int truncated)
    {
        var rows = new List<PackedRow>();
        var tokens = new List<int>(blockSize + 1);
        var isTarget = new List<bool>(blockSize + 1);
        truncated = 0;
        foreach (var example in examples)
        {
            int length = Math.Min(example.Tokens.Length, blockSize + 1);
            if (length < example.Tokens.Length) truncated++;
            if (tokens.Count + length > blockSize + 1) Flush(rows, tokens, isTarget, blockSize);
            tokens.AddRange(example.Tokens.AsSpan(0, length));
            isTarget.AddRange(example.IsTarget.AsSpan(0, length));
        }
        if (tokens.Count > 1) Flush(rows, tokens, isTarget, blockSize);
        return rows;
    }

    /// <summary>Row position i reads token i and predicts token i + 1; the tail is PAD with no targets.</summary>
    private static void Flush(List<PackedRow> rows, List<int> tokens, List<bool> isTarget, int blockSize)
    {
        var inputs = new int[blockSize];
        var targets = new long[blockSize];
        Array.Fill(inputs, CharTokenizer.Pad);
        Array.Fill(targets, Ignore);
        for (int i = 0; i < blockSize && i < tokens.Count; i++) inputs[i] = tokens[i];
        for (int i = 0; i + 1 < tokens.Count; i++)
            if (isTarget[i + 1]) targets[i] = tokens[i + 1];
        rows.Add(new PackedRow(inputs, targets));
        tokens.Clear();
        isTarget.Clear();
    }
}
