using Ded.Student.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Ded.Student.Inference;

/// <summary>How to sample. The same prompts, options and seed give the same texts.</summary>
public sealed record GenerateOptions
{
    public int MaxNewTokens { get; init; } = 128;
    public double Temperature { get; init; } = 0.6;   // 0 = greedy; 0.6 / top-p 0.95 are DeepSeek-R1's evaluation settings
    public double TopP { get; init; } = 0.95;         // nucleus sampling (Holtzman et al. 2020); 1 = off
    public long Seed { get; init; }
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    public int BatchSize { get; init; } = 32;         // prompts decoded together; outputs depend on it (padding, draw order)
    public bool UseKvCache { get; init; } = true;     // false recomputes the whole prefix each token; only to check the cache

    /// <summary>Throws <see cref="ArgumentException"/> naming the field.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentException($"GenerateOptions.MaxNewTokens must be >= 1 (got {MaxNewTokens})");
        if (Temperature < 0) throw new ArgumentException($"GenerateOptions.Temperature must be >= 0 (got {Temperature})");
        if (TopP is <= 0 or > 1) throw new ArgumentException($"GenerateOptions.TopP must be in (0, 1] (got {TopP})");
        if (BatchSize < 1) throw new ArgumentException($"GenerateOptions.BatchSize must be >= 1 (got {BatchSize})");
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("GenerateOptions.StopStrings must not contain empty strings");
    }
}

public enum FinishReason { Eos, StopString, Length }

/// <summary>A completion: its text (without EOS or the stop string), why it ended and how many tokens it sampled.</summary>
public sealed record Completion(string Text, FinishReason FinishReason, int TokenCount)
{
    public bool IsTruncated => FinishReason == FinishReason.Length;
}

/// <summary>Batched autoregressive sampling with a KV cache. Prompts of a batch are left-padded to one length and
/// the padding is masked out of attention; rotary positions are relative, so the shift does not change the scores.</summary>
public static class Generator
{
    /// <summary>Completions of each prompt (BOS is prepended). Throws when a prompt leaves no room in the block.</summary>
    public static IReadOnlyList<Completion> Generate(TinyGpt model, CharTokenizer tokenizer, IReadOnlyList<string> prompts,
        GenerateOptions options, CancellationToken ct)
    {
        options.Validate();
        using var generator = new torch.Generator((ulong)options.Seed, CPU);
        using var noGrad = no_grad();
        model.eval();
        var results = new List<Completion>(prompts.Count);
        for (int i = 0; i < prompts.Count; i += options.BatchSize)
        {
            var batch = prompts.Skip(i).Take(options.BatchSize).Select(p => Encode(tokenizer, p, model.Config.BlockSize)).ToList();
            results.AddRange(GenerateBatch(model, tokenizer, batch, options, generator, ct));
        }
        return results;
    }

    private static int[] Encode(CharTokenizer tokenizer, string prompt, int blockSize)
    {
        var ids = new List<int>(prompt.Length + 1) { CharTokenizer.Bos };
        tokenizer.Encode(prompt, ids);
        if (ids.Count >= blockSize)
            throw new ArgumentException($"prompt of {ids.Count} tokens leaves no room to generate within the block size {blockSize}: shorten it");
        return [.. ids];
    }

    private static Completion[] GenerateBatch(TinyGpt model, CharTokenizer tokenizer, List<int[]> prompts,
        GenerateOptions options, torch.Generator generator, CancellationToken ct)
    {
        int B = prompts.Count, promptLength = prompts.Max(p => p.Length);
        int budget = Math.Min(options.MaxNewTokens, model.Config.BlockSize - promptLength);
        var (ids, keyIsReal) = LeftPad(prompts, promptLength, model.Config.BlockSize);
        using var cache = options.UseKvCache ? model.NewCache(B) : null;
        var rows = Enumerable.Range(0, B).Select(_ => new RowState(options.StopStrings)).ToArray();
        var active = Enumerable.Range(0, B).ToArray();                            // rows[active[j]] is tensor row j
        var sequence = ids;                                                       // (B', S), grown only without a cache
        var logits = LastLogits(model, ids, cache, keyIsReal);                    // (B', V)
        for (int t = 0; t < budget; t++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var next = Sample(logits, options, generator);                       // (B')
            var tokens = next.data<long>().ToArray();
            for (int j = 0; j < active.Length; j++) rows[active[j]].Add((int)tokens[j], tokenizer);
            var running = Enumerable.Range(0, active.Length).Where(j => rows[active[j]].Finish is null).ToArray();
            if (running.Length == 0 || t == budget - 1) break;
            logits.Dispose();
            // Finished rows would keep costing a forward pass each step: drop them once a quarter of the batch is done.
            if (running.Length <= active.Length * 3 / 4)
            {
                using var keep = tensor(running.Select(j => (long)j).ToArray());
                next = next.index_select(0, keep);
                cache?.Keep(keep);
                keyIsReal = Replace(keyIsReal, keyIsReal.index_select(0, keep));
                if (cache is null) sequence = Replace(sequence, sequence.index_select(0, keep));
                active = running.Select(j => active[j]).ToArray();
            }
            if (cache is not null)
                logits = LastLogits(model, next.unsqueeze(1), cache, keyIsReal).MoveToOuterDisposeScope();
            else
            {
                sequence = Replace(sequence, cat([sequence, next.unsqueeze(1)], 1)); // (B', S + 1)
                logits = LastLogits(model, sequence, null, keyIsReal).MoveToOuterDisposeScope();
            }
        }
        logits.Dispose();
        sequence.Dispose();
        keyIsReal.Dispose();
        return rows.Select(r => r.ToCompletion()).ToArray();
    }

    /// <summary>Disposes <paramref name="old"/> and keeps <paramref name="replacement"/> past the step's dispose scope.</summary>
    private static Tensor Replace(Tensor old, Tensor replacement)
    {
        replacement = replacement.MoveToOuterDisposeScope();
        old.Dispose();
        return replacement;
    }

    private static Tensor LastLogits(TinyGpt model, Tensor ids, KvCache? cache, Tensor keyIsReal)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(ids, cache, keyIsReal);                        // (B, T, V)
        return logits.select(1, -1).MoveToOuterDisposeScope();                   // (B, V)
    }

    /// <summary>Ids (B, longest prompt), PAD on the left; and which of the block's positions hold real tokens.</summary>
    private static (Tensor Ids, Tensor KeyIsReal) LeftPad(List<int[]> prompts, int length, int blockSize)
    {
        var ids = new long[prompts.Count * length];
        var real = new bool[prompts.Count * blockSize];
        for (int b = 0; b < prompts.Count; b++)
        {
            int pad = length - prompts[b].Length;
            for (int i = 0; i < length; i++) ids[b * length + i] = i < pad ? CharTokenizer.Pad : prompts[b][i - pad];
            for (int i = pad; i < blockSize; i++) real[b * blockSize + i] = true;
        }
        return (tensor(ids, [prompts.Count, length]), tensor(real, [prompts.Count, blockSize]));
    }

    /// <summary>Greedy at temperature 0; otherwise softmax(logits / T) restricted to the top-p nucleus.</summary>
    private static Tensor Sample(Tensor logits, GenerateOptions options, torch.Generator generator)
    {
        if (options.Temperature == 0) return logits.argmax(-1);                          // (B)
        var probs = (logits / options.Temperature).softmax(-1);                            // (B, V)
        var (sorted, order) = probs.sort(-1, descending: true);                           // (B, V) each
        if (options.TopP < 1)
        {
            var before = sorted.cumsum(-1) - sorted;                                       // mass of strictly more likely tokens
            sorted = sorted.masked_fill(before.gt(options.TopP), 0);
        }
        var pick = sorted.multinomial(1, generator: generator);                            // (B, 1), renormalises
        return order.gather(-1, pick).squeeze(-1);                                         // (B)
    }

    /// <summary>One prompt's sampled tokens and whether it has finished.</summary>
    private sealed class RowState(IReadOnlyList<string> stopStrings)
    {
        private readonly List<int> tokens = [];
        private readonly System.Text.StringBuilder text = new();

        public FinishReason? Finish { get; private set; }

        public void Add(int token, CharTokenizer tokenizer)
        {
            if (Finish is not null) return;
            if (token == CharTokenizer.Eos) { Finish = FinishReason.Eos; return; }
            tokens.Add(token);
            text.Append(tokenizer.Decode([token]));
            foreach (var stop in stopStrings)
                if (text.Length >= stop.Length && text.ToString(text.Length - stop.Length, stop.Length) == stop)
                {
                    text.Length -= stop.Length;
                    Finish = FinishReason.StopString;
                    return;
                }
        }

        public Completion ToCompletion() => new(text.ToString(), Finish ?? FinishReason.Length, tokens.Count + (Finish == FinishReason.Eos ? 1 : 0));
    }
}
