using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ded.Student.Training;

/// <summary>What a training run did.</summary>
public sealed record TrainReport
{
    public required IReadOnlyList<float> Losses { get; init; }         // mean per-target-token loss of each step run
    public required IReadOnlyList<(int Step, double Loss)> EvalLosses { get; init; }
    public required long TokensProcessed { get; init; }                 // B·T positions forwarded, padding included
    public required long TargetTokens { get; init; }                    // positions that counted in the loss
    public required int TruncatedExamples { get; init; }                // examples cut at the block size (first epoch)
    public required int FinalStep { get; init; }
    public required TimeSpan Elapsed { get; init; }
}

/// <summary>The training loop: setup, step, eval, checkpoint, as in nanoGPT's train.py. Pretraining and SFT differ
/// only in which tokens are targets (<see cref="TokenizedExample"/>).</summary>
public static class Trainer
{
    /// <summary>Runs the loop from step 0, or from the step of <see cref="TrainOptions.ResumeFrom"/>. <paramref name="onStep"/>
    /// hears (step just finished, its loss). Throws <see cref="OperationCanceledException"/> between steps when cancelled.</summary>
    public static TrainReport Train(TinyGpt model, CharTokenizer tokenizer, IReadOnlyList<TokenizedExample> examples,
        TrainOptions options, IReadOnlyList<TokenizedExample>? evalExamples, Action<int, float>? onStep, CancellationToken ct)
    {
        // setup
        options.Validate();
        if (examples.Count == 0) throw new ArgumentException("Trainer.Train: no training examples");
        TorchRuntime.UseThreads(options.Threads);
        int block = options.BlockSize ?? model.Config.BlockSize;
        using var optimizer = NewOptimizer(model, options);
        int startStep = options.ResumeFrom is null ? 0 : Resume(model, optimizer, options.ResumeFrom);
        var batches = new BatchStream(examples, block, options.BatchSize, options.Seed);
        batches.Skip(startStep);
        var losses = new List<float>();
        var evals = new List<(int, double)>();
        long processed = 0, targets = 0;
        var clock = Stopwatch.StartNew();
        model.train();
        for (int step = startStep; step < options.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            var rows = batches.Next();
            foreach (var group in optimizer.ParamGroups) group.LearningRate = options.LearningRateAt(step);
            losses.Add(Step(model, optimizer, rows, options.GradClip, out long counted));
            onStep?.Invoke(step + 1, losses[^1]);
            processed += (long)rows.Count * block;
            targets += counted;
            if (evalExamples is not null && options.EvalEvery > 0 && (step + 1) % options.EvalEvery == 0)
                evals.Add((step + 1, MeanLoss(model, evalExamples, block, options.BatchSize, ct)));
            if (options.CheckpointDir is not null && options.CheckpointEvery > 0 && (step + 1) % options.CheckpointEvery == 0)
                Checkpoint.Save(options.CheckpointDir, model, tokenizer, step + 1, optimizer);
        }
        // final eval and checkpoint
        if (evalExamples is not null && (evals.Count == 0 || evals[^1].Item1 != options.Steps))
            evals.Add((options.Steps, MeanLoss(model, evalExamples, block, options.BatchSize, ct)));
        if (options.CheckpointDir is not null) Checkpoint.Save(options.CheckpointDir, model, tokenizer, Math.Max(options.Steps, startStep), optimizer);
        model.eval();
        return new TrainReport
        {
            Losses = losses, EvalLosses = evals, TokensProcessed = processed, TargetTokens = targets,
            TruncatedExamples = batches.TruncatedFirstEpoch, FinalStep = Math.Max(options.Steps, startStep), Elapsed = clock.Elapsed,
        };
    }

    /// <summary>Mean loss per target token over <paramref name="examples"/>, packed in the given order, no gradients.</summary>
    public static double MeanLoss(TinyGpt model, IReadOnlyList<TokenizedExample> examples, int blockSize, int batchSize, CancellationToken ct)
    {
        var rows = Packer.Pack(examples, blockSize, out _);
        double sum = 0;
        long count = 0;
        using var noGrad = no_grad();
        for (int i = 0; i < rows.Count; i += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, y) = ToTensors(rows.GetRange(i, Math.Min(batchSize, rows.Count - i)));
            sum += SummedLoss(model, x, y, out long counted).item<float>();
            count += counted;
        }
        return count == 0 ? double.NaN : sum / count;
    }

    /// <summary>Forward, backward, clip, AdamW update; returns the mean loss per target token.</summary>
    private static float Step(TinyGpt model, optim.Optimizer optimizer, List<PackedRow> rows, double clip, out long counted)
    {
        using var scope = NewDisposeScope();
        var (x, y) = ToTensors(rows);
        var loss = SummedLoss(model, x, y, out counted) / Math.Max(counted, 1); // sum/count: a row of pure padding cannot make NaN
        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(model.parameters(), clip);
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Summed cross-entropy over target positions; <paramref name="counted"/> = how many there were.</summary>
    internal static Tensor SummedLoss(TinyGpt model, Tensor inputs, Tensor targets, out long counted) =>
        SummedLoss(model.Forward(inputs), targets, out counted);

    /// <summary>Cross-entropy of logits (B, T, V) against targets (B, T), summed over non-ignored positions.</summary>
    internal static Tensor SummedLoss(Tensor logits, Tensor targets, out long counted)
    {
        counted = targets.ne(Packer.Ignore).sum().item<long>();
        return nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), targets.view(-1),
            ignore_index: Packer.Ignore, reduction: nn.Reduction.Sum);
    }

    internal static (Tensor Inputs, Tensor Targets) ToTensors(List<PackedRow> rows)
    {
        int block = rows[0].Inputs.Length;
        var inputs = new long[rows.Count * block];
        var targets = new long[rows.Count * block];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int i = 0; i < block; i++) inputs[r * block + i] = rows[r].Inputs[i];
            rows[r].Targets.CopyTo(targets, r * block);
        }
        return (tensor(inputs, [rows.Count, block]), tensor(targets, [rows.Count, block]));
    }

    /// <summary>AdamW with weight decay on matrices only; norm gains are not decayed (nanoGPT configure_optimizers).</summary>
    private static optim.Optimizer NewOptimizer(TinyGpt model, TrainOptions options)
    {
        var decay = model.parameters().Where(p => p.dim() >= 2).ToList();
        var noDecay = model.parameters().Where(p => p.dim() < 2).ToList();
        return optim.AdamW(
        [
            new AdamW.ParamGroup(decay, options.LearningRate, 0.9, options.Beta2, 1e-8, options.WeightDecay, false, false),
            new AdamW.ParamGroup(noDecay, options.LearningRate, 0.9, options.Beta2, 1e-8, 0.0, false, false),
        ], options.LearningRate, 0.9, options.Beta2);
    }

    /// <summary>Loads weights and AdamW state from a trainer checkpoint; returns the step to continue from. The
    /// data order needs no saved RNG state: it is a function of (seed, step), see <see cref="BatchStream"/>.</summary>
    private static int Resume(TinyGpt model, optim.Optimizer optimizer, string dir)
    {
        var (saved, _, step) = Checkpoint.Load(dir);
        using (saved)
        using (var noGrad = no_grad())
        {
            if (saved.Config != model.Config) throw new ArgumentException($"{dir}: checkpoint model config differs from the model being trained");
            foreach (var ((_, target), (_, source)) in model.named_parameters().Zip(saved.named_parameters())) target.copy_(source);
        }
        if (!Checkpoint.TryLoadOptimizer(dir, optimizer))
            throw new FileNotFoundException($"{Path.Combine(dir, Checkpoint.OptimizerFile)}: no optimizer state to resume from; save with the trainer's CheckpointDir");
        return (int)step;
    }

    /// <summary>Batches in a reproducible order: epoch e packs the examples shuffled by Random(seed + e), then yields
    /// its rows in batches (the last one may be short).</summary>
    private sealed class BatchStream(IReadOnlyList<TokenizedExample> examples, int block, int batchSize, int seed)
    {
        private List<PackedRow> rows = [];
        private int epoch = -1, next;

        public int TruncatedFirstEpoch { get; private set; }

        public void Skip(int batches)
        {
            for (int i = 0; i < batches; i++) Next();
        }

        public List<PackedRow> Next()
        {
            if (next >= rows.Count) StartEpoch();
            var batch = rows.GetRange(next, Math.Min(batchSize, rows.Count - next));
            next += batch.Count;
            return batch;
        }

        private void StartEpoch()
        {
            epoch++;
            var order = examples.ToArray();
            new Random(seed + epoch).Shuffle(order);
            rows = Packer.Pack(order, block, out int truncated);
            if (epoch == 0) TruncatedFirstEpoch = truncated;
            next = 0;
        }
    }
}
