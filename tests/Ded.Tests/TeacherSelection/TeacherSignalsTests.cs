using Ded.TeacherSelection;
using Ded.Training;
using Xunit;

namespace Ded.Tests.TeacherSelection;

/// <summary>
/// The Rank-Surprisal Ratio as its reference computes it (UmeanNever/RankSurprisalRatio@1c908eef8af9553d4ee4939765416abd364b5bc5:
/// rsr_cal.py, compute_sample_metrics): per response avg_rank_clip = mean min(rank, r), avg_surprisal = mean nll,
/// ratio = sum rank / sum nll; per dataset Σ avg_rank_clip / Σ avg_surprisal (responses weighted equally, App. A.8).
/// Expected values are worked by hand from those lines.
/// </summary>
public class TeacherSignalsTests
{
    // A: surprisals 1, 2, 0.5 (sum 3.5), ranks 1, 3, 150 -> clipped 1, 3, 100 (sum 104). B: surprisal 0.1, rank 2.
    private static readonly TokenScores A = new([-1, -2, -0.5], [0.5, 1.0, 1.5]) { Ranks = [1, 3, 150] };
    private static readonly TokenScores B = new([-0.1], [2.0]) { Ranks = [2] };

    [Fact]
    public void AResponsesRsrIsItsClippedRankSumOverItsSurprisalSum()
    {
        var a = TeacherSignals.Of("a", A)!;
        Assert.Equal(3, a.Tokens);
        Assert.Equal(104 / 3.0, a.AvgRankClip, 12);
        Assert.Equal(3.5 / 3, a.AvgSurprisal, 12);
        Assert.Equal(104 / 3.5, a.Rsr, 12);
        Assert.Equal(1.0, a.MeanEntropyBits!.Value, 12);
        Assert.Equal(150 / 3.5 + 1 / 3.5 + 3 / 3.5, TeacherSignals.Of("a", A, rankClip: 1000)!.Rsr, 12); // the clip is per token
    }

    [Fact]
    public void ATeachersRsrWeighsResponsesEquallyNotTokens()
    {
        var signal = TeacherSignals.Aggregate([TeacherSignals.Of("a", A)!, TeacherSignals.Of("b", B)!], empty: 1);
        Assert.Equal((104 / 3.0 + 2) / (3.5 / 3 + 0.1), signal.Rsr!.Value, 12);
        Assert.NotEqual((104 + 2) / 3.6, signal.Rsr!.Value, 3);         // tokens pooled across responses: not the paper's metric
        Assert.Equal((3.5 + 0.1) / 4, signal.Loss, 12);                  // the loss is the SFT loss: tokens pooled
        Assert.Equal((0.5 + 1.0 + 1.5 + 2.0) / 4, signal.EntropyBits!.Value, 12);
        Assert.Equal((2, 1), (signal.Scored, signal.Empty));
        Assert.InRange(signal.Rsr!.Value, signal.RsrInterval!.Low, signal.RsrInterval.High);
    }

    [Fact]
    public void TheEndTokenAnInProcessScorerAppendsIsLeftOut()
    {
        var withEos = new TokenScores([-1, -2, -0.5, -9], [0.5, 1.0, 1.5, 0]) { Ranks = [1, 3, 150, 1], EndsWithEndToken = true };
        Assert.Equal(TeacherSignals.Of("a", A), TeacherSignals.Of("a", withEos));
    }

    [Fact]
    public void WhatAScorerCannotGiveIsAbsentNotZero()
    {
        Assert.Null(TeacherSignals.Of("empty", new TokenScores([], [])));
        Assert.Null(TeacherSignals.Of("only eos", new TokenScores([-3], [1]) { Ranks = [5], EndsWithEndToken = true }));
        var served = TeacherSignals.Of("served", new TokenScores([-1, -2], []) { Ranks = [1, 2] })!;
        Assert.Null(served.MeanEntropyBits);                              // prompt_logprobs carry no distribution
        var noRanks = TeacherSignals.Aggregate([TeacherSignals.Of("echo", new TokenScores([-1, -2], []))!], 0);
        Assert.Null(noRanks.Rsr);                                         // an echo engine gives no ranks
        Assert.Equal(1.5, noRanks.Loss, 12);
    }
}
