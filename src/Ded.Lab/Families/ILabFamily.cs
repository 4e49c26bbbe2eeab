namespace Ded.Lab.Families;

/// <summary>A seedable problem generator and its step-by-step solver (teachers read the question text back).</summary>
internal interface ILabFamily
{
    string Name { get; }
    LabDomain Domain { get; }

    /// <summary>A question at this difficulty; its gold answer is <see cref="Solve"/> without slips.</summary>
    string Generate(int difficulty, Random rng);

    /// <summary>Solves a question of this family, passing each value through <paramref name="slip"/>; null if the text
    /// is not this family's. <see cref="LabGranularity.Fine"/> writes the family's finer method where it has one.</summary>
    LabSolution? Solve(string question, Slip slip, LabGranularity granularity);
}
