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
    /// The same options give the same pool.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown family, or a difficulty range that is empty.</exception>
    public static IReadOnlyList<LabProblem> Pool(LabPoolOptions options)
    {
        var families = options.Families.Select(Family).ToArray();
        if (families.Length == 0) throw new ArgumentException("the lab pool needs at least one family", nameof(options));
        if (options.MinDifficulty < 1 || options.MaxDifficulty < options.MinDifficulty)
            throw new ArgumentException($"difficulty range {options.MinDifficulty}..{options.MaxDifficulty} is empty or below 1", nameof(options));

        var rng = new Random(options.Seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pool = new List<LabProblem>(options.Count);
        for (int i = 0, attempts = 0; pool.Count < options.Count; i++)
        {
            var family = families[pool.Count % families.Length];
            int difficulty = rng.Next(options.MinDifficulty, options.MaxDifficulty + 1);
            string question = family.Generate(difficulty, rng);
            if (!seen.Add(question) || options.Exclude?.Contains(question) == true)
            {
                // Small families at low difficulty run out of distinct problems; fail rather than loop forever.
                if (++attempts > 1000 + 100 * options.Count)
                    throw new InvalidOperationException($"the lab cannot draw {options.Count} distinct problems from {string.Join(", ", options.Families)} at difficulty {options.MinDifficulty}..{options.MaxDifficulty}");
                continue;
            }
            var gold = family.Solve(question, Slip.None, LabGranularity.Plain) ?? throw new InvalidOperationException($"{family.Name} cannot solve its own question: {question}");
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

    /// <summary>Reads a lab question back: its family and worked solution, or null when no family recognises it.</summary>
    public static (string Family, LabDomain Domain, LabSolution Solution)? Solve(string question, Slip slip, LabGranularity granularity = LabGranularity.Plain)
    {
        foreach (var family in All)
            if (family.Solve(question, slip, granularity) is { } solution)
                return (family.Name, family.Domain, solution);
        return null;
    }

    private static ILabFamily Family(string name) =>
        All.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"unknown lab family '{name}' (known: {string.Join(", ", All.Select(f => f.Name))})");
}
