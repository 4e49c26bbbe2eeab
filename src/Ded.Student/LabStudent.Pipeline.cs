using Ded.Student.Inference;
using Ded.Student.Training;
using Ded.Training;

namespace Ded.Student;

/// <summary>The tiny student as the pipeline sees it: it trains, samples and scores. TorchSharp work is CPU-bound: each
/// call runs to completion on the caller's thread (polling the token) and returns a finished task.</summary>
public sealed partial class LabStudent : ITrainableStudent, IStudentScorer
{
    ITrainableStudent ITrainableStudent.Fork(int threads) => Clone(threads);

    Task<SftReport> ITrainableStudent.SftAsync(IReadOnlyList<SftExample> corpus, SftOptions options, CancellationToken cancellationToken)
    {
        var report = Sft(corpus.Select(e => (e.Prompt, e.Response)), new TrainOptions
        {
            Steps = options.Steps, BatchSize = options.BatchSize, LearningRate = options.LearningRate,
            WarmupSteps = Math.Min(options.WarmupSteps, options.Steps), Seed = options.Seed,
        }, cancellationToken);
        return Task.FromResult(new SftReport(report.Losses.Select(l => (double)l).ToArray()));
    }

    Task<IReadOnlyList<IReadOnlyList<StudentSample>>> IStudentSampler.SampleAsync(IReadOnlyList<string> prompts, SampleOptions options, CancellationToken cancellationToken)
    {
        // Prompt i's samples sit at i*k .. i*k+k-1: one batched decode draws them all.
        int k = options.SamplesPerPrompt;
        var repeated = new string[prompts.Count * k];
        for (int i = 0; i < repeated.Length; i++) repeated[i] = prompts[i / k];
        var completions = Generate(repeated, new GenerateOptions
        {
            MaxNewTokens = options.MaxNewTokens, Temperature = options.Temperature, TopP = options.TopP, Seed = options.Seed,
        }, cancellationToken);
        var result = new IReadOnlyList<StudentSample>[prompts.Count];
        for (int i = 0; i < prompts.Count; i++)
            result[i] = completions.Skip(i * k).Take(k).Select(c => new StudentSample(c.Text, c.IsTruncated)).ToArray();
        return Task.FromResult<IReadOnlyList<IReadOnlyList<StudentSample>>>(result);
    }

    /// <summary>Every token of each response and its EOS; a response longer than the block is scored whole through a
    /// sliding window (<see cref="Scorer.Score"/>), so long real traces keep all their tokens.</summary>
    Task<IReadOnlyList<TokenScores>> IStudentScorer.ScoreAsync(IReadOnlyList<SftExample> examples, CancellationToken cancellationToken)
    {
        var scores = Score(examples.Select(e => (e.Prompt, e.Response)).ToList(), cancellationToken, window: true);
        return Task.FromResult<IReadOnlyList<TokenScores>>(scores
            .Select(s => new TokenScores(s.Tokens.Select(t => t.LogProbNats).ToArray(), s.Tokens.Select(t => t.EntropyBits).ToArray())
            {
                Ranks = s.Tokens.Select(t => t.Rank).ToArray(), EndsWithEndToken = true,
            })
            .ToArray());
    }
}
