namespace Ded.Lab;

/// <summary>Which part of the lab world a family belongs to: the distillation domain or the out-of-domain checks.</summary>
public enum LabDomain { Math, Code, General }

/// <summary>One generated lab problem with its gold answer.</summary>
public sealed record LabProblem
{
    public required string Id { get; init; }
    public required string Family { get; init; }
    public required LabDomain Domain { get; init; }
    /// <summary>1 (easy) upwards; each family documents what the knob changes.</summary>
    public required int Difficulty { get; init; }
    public required string Question { get; init; }
    public required string Answer { get; init; }
}

/// <summary>What <see cref="LabWorld.Pool"/> draws.</summary>
public sealed record LabPoolOptions
{
    public IReadOnlyList<string> Families { get; init; } = LabWorld.InDomainFamilies;
    public int Count { get; init; } = 200;
    public int MinDifficulty { get; init; } = 1;
    public int MaxDifficulty { get; init; } = 4;
    public int Seed { get; init; } = 1;
    /// <summary>Question texts never to draw (e.g. the training pool when drawing a held-out set).</summary>
    public IReadOnlySet<string>? Exclude { get; init; }
}

/// <summary>One worked step of a solution: what a careful solver writes, and the value it reaches.</summary>
public sealed record LabStep(string Text, string Value);

/// <summary>A family's worked solution: the steps in order and the final answer.</summary>
public sealed record LabSolution(IReadOnlyList<LabStep> Steps, string Answer);

/// <summary>How finely a solver writes its steps. Fine splits a step a tiny student cannot do at once (a long division,
/// a two-operation update) into ones it can; families without such a step write the same either way.</summary>
public enum LabGranularity { Plain, Fine }
