using Ded.Lab.Families;

namespace Ded.Lab;

/// <summary>
/// The embedded lab: seedable problem families with gold answers. Math and code families are the distillation
/// domain; the general families are the out-of-domain checks that distillation could erode.
/// </summary>
public static class LabWorld
{
    private static readonly ILabFamily[] All =
    [
        new ArithmeticFamily(), new LinearFamily(), new RemainderFamily(), new TraceFamily(),
        new ReverseFamily(), new SortDigitsFamily(), new CountLetterFamily(),
    ];

    public static IReadOnlyList<string> Families { get; } = All.Select(f => f.Name).ToArray();
    public static IReadOnlyList<string> InDomainFamilies { get; } = All.Where(f => f.Domain != LabDomain.General).Select(f => f.Name).ToArray();
    public static IReadOnlyList<string> OutOfDomainFamilies { get; } = All.Where(f => f.Domain == LabDomain.General).Select(f => f.Name).ToArray();

    /// <summary>
    /// Draws <see cref="LabPoolOptions.Count"/> distinct problems, families in turn, difficulty uniform in the range.
    /// A family that has run out of distinct problems in the range leaves the turn and the others fill the pool
    /// (the small families hold a few thousand; arithmetic millions). The same options give the same pool.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown family, or a difficulty range that is empty.</exception>
    /// <exception cref="InvalidOperationException">Every family ran out before the pool was full.</exception>
    public static IReadOnlyList<LabProblem> Pool(LabPoolOptions options)
    {
        var families = options.Families.Select(Family).ToList();
        if (families.Count == 0) throw new ArgumentException("the lab pool needs at least one family", nameof(options));
        if (options.MinDifficulty < 1 || options.MaxDifficulty < options.MinDifficulty)
            throw new ArgumentException($"difficulty range {options.MinDifficulty}..{options.MaxDifficulty} is empty or below 1", nameof(options));

        var rng = new Random(options.Seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pool = new List<LabProblem>(options.Count);
        for (int misses = 0; pool.Count < options.Count;)
        {
            var family = families[pool.Count % families.Count];
            int difficulty = rng.Next(options.MinDifficulty, options.MaxDifficulty + 1);
            string question = family.Generate(difficulty, rng);
            if (!seen.Add(question) || options.Exclude?.Contains(question) == true)
            {
                if (++misses < ExhaustedAfterMisses) continue;
                families.Remove(family); // its draws are nearly all repeats: it has no new problem left in the range
                misses = 0;
                if (families.Count == 0)
                    throw new InvalidOperationException($"the lab has only {pool.Count:N0} distinct problems in {string.Join(", ", options.Families)} " +
                                                        $"at difficulty {options.MinDifficulty}..{options.MaxDifficulty}, not {options.Count:N0}; ask for fewer, " +
                                                        "or widen the difficulty range or the families");
                continue;
            }
            misses = 0;
            var gold = family.Solve(question, Slip.None) ?? throw new InvalidOperationException($"{family.Name} cannot solve its own question: {question}");
            pool.Add(new LabProblem
            {
                Id = $"{family.Name}-s{options.Seed}-{pool.Count:D5}",
                Family = family.Name,
                Domain = family.Domain,
                Difficulty = difficulty,
                Question = question,
                Answer = gold.Answer,
            });
        }
        return pool;
    }

    // Consecutive repeats from one family before it counts as exhausted: a family with even 0.1% of its problems
    // still new draws one within this many tries all but always (1 - 0.999^20000 > 1 - 1e-8).
    private const int ExhaustedAfterMisses = 20_000;

    /// <summary>Reads a lab question back: its family and worked solution, or null when no family recognises it.</summary>
    public static (string Family, LabDomain Domain, LabSolution Solution)? Solve(string question, Slip slip)
    {
        foreach (var family in All)
            if (family.Solve(question, slip) is { } solution)
                return (family.Name, family.Domain, solution);
        return null;
    }

    private static ILabFamily Family(string name) =>
        All.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"unknown lab family '{name}' (known: {string.Join(", ", All.Select(f => f.Name))})");
}
