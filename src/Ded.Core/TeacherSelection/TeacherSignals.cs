using Ded.Evaluation;
using Ded.Training;

namespace Ded.TeacherSelection;

/// <summary>
/// One scored response: the row the Rank-Surprisal Ratio reference writes per sample
/// (UmeanNever/RankSurprisalRatio@1c908eef8af9553d4ee4939765416abd364b5bc5:rsr_cal.py, compute_sample_metrics), plus
/// the mean token entropy where the scorer has the whole distribution.
/// </summary>
/// <param name="Tokens">Response tokens scored (the end token excluded).</param>
/// <param name="AvgRankClip">Mean of min(rank, clip) over the tokens; NaN when the scorer gave no ranks.</param>
/// <param name="AvgSurprisal">Mean −ln p(token | context), nats.</param>
/// <param name="Rsr">Σ min(rank, clip) / Σ surprisal (arXiv 2601.14249 Eq. 7); NaN without ranks.</param>
/// <param name="MeanEntropyBits">Mean predictive entropy (bits); null when the scorer cannot give it.</param>
public sealed record TrajectorySignal(string TrajectoryId, int Tokens, double AvgRankClip, double AvgSurprisal, double Rsr, double? MeanEntropyBits);

/// <summary>A teacher's cheap signals over its scored sample of responses (lower is better for all three).</summary>
/// <param name="Loss">The base student's mean per-token loss (nats) on the responses, tokens pooled (the SFT loss).</param>
/// <param name="EntropyBits">Mean per-token entropy (bits), tokens pooled; null when the scorer gives no distribution.</param>
/// <param name="Rsr">Dataset RSR: Σ_j mean clipped rank_j / Σ_j mean surprisal_j, responses weighted equally (App. A.8, Eq. 9); null without ranks.</param>
/// <param name="RsrInterval">95% percentile bootstrap of <see cref="Rsr"/> over the scored responses; null without ranks.</param>
/// <param name="Scored">Responses with at least one token scored.</param>
/// <param name="Empty">Sampled responses with no text to score (left out, counted).</param>
public sealed record TeacherSignal(double Loss, double? EntropyBits, double? Rsr, Score? RsrInterval, int Scored, int Empty);

/// <summary>
/// The teacher-fit signals from a base student's token scores, in the one place every client computes them (the
/// select-teacher command, the lab): per-token loss, token entropy and the Rank-Surprisal Ratio exactly as its
/// reference: surprisal in nats, rank = 1 + #tokens strictly more probable, clipped per token at 100 (§4.1), the end
/// token left out, trajectory RSR = Σ clipped rank / Σ surprisal, teacher RSR = ratio of the per-trajectory means.
/// </summary>
public static class TeacherSignals
{
    /// <summary>r_max of the paper (§4.1; its Table 5 ablation found 100 best).</summary>
    public const int DefaultRankClip = 100;

    /// <summary>The signal of one response; null when it has no tokens to score (an empty response).</summary>
    public static TrajectorySignal? Of(string trajectoryId, TokenScores scores, int rankClip = DefaultRankClip)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentOutOfRangeException.ThrowIfLessThan(rankClip, 1);
        int count = scores.LogProbs.Count - (scores.EndsWithEndToken && scores.LogProbs.Count > 0 ? 1 : 0);
        bool hasRanks = scores.Ranks.Count >= count, hasEntropy = scores.EntropiesBits.Count >= count;
        double surprisal = 0, rank = 0, entropy = 0;
        int tokens = 0;
        for (int i = 0; i < count; i++)
        {
            if (double.IsNaN(scores.LogProbs[i])) continue; // a position the engine gave no log-probability
            tokens++;
            surprisal -= scores.LogProbs[i];
            if (hasRanks) rank += Math.Min(scores.Ranks[i], rankClip);
            if (hasEntropy) entropy += scores.EntropiesBits[i];
        }
        if (tokens == 0) return null;
        return new TrajectorySignal(trajectoryId, tokens,
            hasRanks ? rank / tokens : double.NaN, surprisal / tokens,
            hasRanks ? rank / Math.Max(surprisal, 1e-12) : double.NaN, // eps as the reference's max(sum_nll, 1e-12)
            hasEntropy ? entropy / tokens : null);
    }

    /// <summary>The teacher's signals over its scored responses.</summary>
    /// <param name="empty">How many sampled responses had nothing to score.</param>
    /// <exception cref="ArgumentException">No scored response.</exception>
    public static TeacherSignal Aggregate(IReadOnlyList<TrajectorySignal> scored, int empty, BootstrapOptions? bootstrap = null)
    {
        if (scored.Count == 0) throw new ArgumentException("no scored responses to aggregate", nameof(scored));
        long tokens = scored.Sum(s => (long)s.Tokens);
        double loss = scored.Sum(s => s.AvgSurprisal * s.Tokens) / tokens;
        double? entropy = scored.All(s => s.MeanEntropyBits is not null) ? scored.Sum(s => s.MeanEntropyBits!.Value * s.Tokens) / tokens : null;
        if (scored.Any(s => double.IsNaN(s.AvgRankClip))) return new TeacherSignal(loss, entropy, null, null, scored.Count, empty);
        var ranks = scored.Select(s => s.AvgRankClip).ToArray();
        var surprisals = scored.Select(s => s.AvgSurprisal).ToArray();
        var interval = Statistics.BootstrapRatio(ranks, surprisals, bootstrap);
        return new TeacherSignal(loss, entropy, interval.Mean, interval, scored.Count, empty);
    }
}
