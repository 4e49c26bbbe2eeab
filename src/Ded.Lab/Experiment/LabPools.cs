using Ded.Data;
using Ded.Evaluation;

namespace Ded.Lab.Experiment;

/// <summary>The held-out evaluation sets: harder in-domain problems and the out-of-domain general families, with each
/// question's family as its stratum (the pool draws the families in turn, so each holds a fixed share of the set).</summary>
internal sealed record LabPools(IReadOnlyList<EvalQuestion> InDomain, IReadOnlyList<EvalQuestion> OutOfDomain,
    IReadOnlyList<int> InDomainStrata, IReadOnlyList<int> OutOfDomainStrata)
{
    /// <summary>Drawn apart from the seed pool and from the base student's pretraining (no contamination by construction).</summary>
    public static LabPools Draw(IReadOnlyList<Question> train, IReadOnlySet<string> pretraining, LabExperimentOptions options, long seed)
    {
        var exclude = train.Select(q => q.Text).Concat(pretraining).ToHashSet();
        var inDomain = LabWorld.Pool(new LabPoolOptions
        {
            Families = LabWorld.InDomainFamilies, Count = options.EvalInDomainQuestions, MinDifficulty = options.EvalMinDifficulty,
            MaxDifficulty = options.EvalMaxDifficulty, Seed = (int)(seed + 1000), Exclude = exclude,
        });
        var outOfDomain = LabWorld.Pool(new LabPoolOptions
        {
            Families = LabWorld.OutOfDomainFamilies, Count = options.EvalOutOfDomainQuestions, MinDifficulty = 1,
            MaxDifficulty = options.OutOfDomainMaxDifficulty, Seed = (int)(seed + 2000), Exclude = exclude,
        });
        return new LabPools(inDomain.Select(p => new EvalQuestion(LabPoolSource.ToQuestion(p, (int)(seed + 1000)), p.Question)).ToArray(),
                            outOfDomain.Select(p => new EvalQuestion(LabPoolSource.ToQuestion(p, (int)(seed + 2000)), p.Question)).ToArray(),
                            Strata(inDomain, LabWorld.InDomainFamilies), Strata(outOfDomain, LabWorld.OutOfDomainFamilies));
    }

    private static int[] Strata(IReadOnlyList<LabProblem> problems, IReadOnlyList<string> families)
    {
        var index = families.Select((name, i) => (name, i)).ToDictionary(f => f.name, f => f.i);
        return problems.Select(p => index[p.Family]).ToArray();
    }

    public IReadOnlyList<EvalQuestion> All => [.. InDomain, .. OutOfDomain];
}
