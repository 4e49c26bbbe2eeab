using Ded.Student.Inference;
using Ded.Student.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Ded.Student;

/// <summary>The lab's student as the pipeline sees it: pretrain, fine-tune, generate, score, save and load.
/// Every example is formatted once, here: <c>BOS "Q: {prompt}\nA: " {response} EOS</c>.</summary>
public sealed partial class LabStudent : IDisposable
{
    private readonly int threads;

    private LabStudent(TinyGpt model, CharTokenizer tokenizer, long step, int threads)
    {
        Model = model;
        Tokenizer = tokenizer;
        Step = step;
        this.threads = threads > 0 ? threads : Environment.ProcessorCount;
    }

    public TinyGpt Model { get; }
    public CharTokenizer Tokenizer { get; }
    /// <summary>Optimizer steps taken over this student's life (pretraining and every SFT).</summary>
    public long Step { get; private set; }

    /// <summary>The text the model sees before the response.</summary>
    public static string FormatPrompt(string prompt) => $"Q: {prompt}\nA: ";

    /// <summary>A freshly initialised student; same config and seed give the same weights.</summary>
    public static LabStudent Create(TinyGptConfig? config = null, long seed = 0, int threads = 0)
    {
        return new LabStudent(new TinyGpt(config ?? new TinyGptConfig(), seed), CharTokenizer.Lab, 0, threads);
    }

    /// <summary>Loads a student saved with <see cref="Save"/>; throws when the folder is not a checkpoint.</summary>
    public static LabStudent Load(string dir, int threads = 0)
    {
        var (model, tokenizer, step) = Checkpoint.Load(dir);
        return new LabStudent(model, tokenizer, step, threads);
    }

    /// <summary>An independent copy (weights, tokenizer, step), e.g. to fine-tune one base student per teacher; on
    /// <paramref name="threads"/> threads (0: as many as this one).</summary>
    public LabStudent Clone(int threads = 0)
    {
        var copy = new TinyGpt(Model.Config);
        using (no_grad())
            foreach (var ((_, target), (_, source)) in copy.named_parameters().Zip(Model.named_parameters())) target.copy_(source);
        return new LabStudent(copy, Tokenizer, Step, threads > 0 ? threads : this.threads);
    }

    public void Save(string dir) => Checkpoint.Save(dir, Model, Tokenizer, Step);

    /// <summary>Pretraining on direct answers: the loss covers prompt and response alike.</summary>
    public TrainReport Pretrain(IEnumerable<(string Prompt, string Response)> examples, TrainOptions options, CancellationToken ct) =>
        Train(examples.Select(e => TokenizedExample.ForPretraining(Tokenizer, FormatPrompt(e.Prompt) + e.Response)).ToList(), options, ct);

    /// <summary>Supervised fine-tuning: the loss covers the response and EOS only. <paramref name="onStep"/> hears
    /// (step just finished, its loss).</summary>
    public TrainReport Sft(IEnumerable<(string Prompt, string Response)> examples, TrainOptions options, CancellationToken ct,
        Action<int, float>? onStep = null) =>
        Train(examples.Select(e => TokenizedExample.ForSft(Tokenizer, FormatPrompt(e.Prompt), e.Response)).ToList(), options, ct, onStep);

    /// <summary>Completions of the prompts (formatted here), in order.</summary>
    public IReadOnlyList<Completion> Generate(IReadOnlyList<string> prompts, GenerateOptions options, CancellationToken ct)
    {
        TorchRuntime.UseThreads(threads);
        return Inference.Generator.Generate(Model, Tokenizer, prompts.Select(FormatPrompt).ToList(), options, ct);
    }

    /// <summary>Per-token log-probabilities, entropies and ranks of each response given its prompt; with
    /// <paramref name="window"/>, a text longer than the block is scored whole through a sliding window.</summary>
    public IReadOnlyList<ResponseScore> Score(IReadOnlyList<(string Prompt, string Response)> pairs, CancellationToken ct, bool window = false)
    {
        TorchRuntime.UseThreads(threads);
        return Scorer.Score(Model, Tokenizer, pairs.Select(p => (FormatPrompt(p.Prompt), p.Response)).ToList(), batchSize: 16, ct, window);
    }

    public ResponseScore Score(string prompt, string response) => Score([(prompt, response)], CancellationToken.None)[0];

    /// <summary>Mean SFT loss per response token (nats), packed as in training.</summary>
    public double MeanLoss(IEnumerable<(string Prompt, string Response)> pairs, CancellationToken ct)
    {
        TorchRuntime.UseThreads(threads);
        var examples = pairs.Select(e => TokenizedExample.ForSft(Tokenizer, FormatPrompt(e.Prompt), e.Response)).ToList();
        return Trainer.MeanLoss(Model, examples, Model.Config.BlockSize, batchSize: 16, ct);
    }

    private TrainReport Train(List<TokenizedExample> examples, TrainOptions options, CancellationToken ct, Action<int, float>? onStep = null)
    {
        var report = Trainer.Train(Model, Tokenizer, examples, options with { Threads = options.Threads > 0 ? options.Threads : threads }, null, onStep, ct);
        Step += report.Losses.Count;
        return report;
    }

    public void Dispose() => Model.Dispose();
}
