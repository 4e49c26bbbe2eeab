using Ded.Training;

namespace Ded.Lab.Experiment;

/// <summary>
/// Samples a list of prompts on one-thread forks of a student, side by side: the tiny student keeps one core busy, not
/// two (see <see cref="ConditionTrainer"/>). The prompts are cut into a fixed number of parts, whatever the machine's
/// cores, and part p draws with the seed plus p, so the samples do not depend on the machine.
/// </summary>
internal sealed class ForkedSampler(ITrainableStudent student, int parts, int parallelism) : IStudentSampler
{
    public async Task<IReadOnlyList<IReadOnlyList<StudentSample>>> SampleAsync(IReadOnlyList<string> prompts, SampleOptions options,
        CancellationToken cancellationToken)
    {
        var chunks = prompts.Chunk(Math.Max(1, (prompts.Count + parts - 1) / parts)).ToArray();
        var results = new IReadOnlyList<IReadOnlyList<StudentSample>>[chunks.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, chunks.Length),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (p, ct) =>
            {
                using var fork = student.Fork(threads: 1);
                results[p] = await fork.SampleAsync(chunks[p], options with { Seed = options.Seed + p }, ct);
            });
        return [.. results.SelectMany(r => r)];
    }

    public void Dispose() { } // each fork is disposed when its part is drawn; the student is the caller's
}
