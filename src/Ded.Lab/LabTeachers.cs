using Microsoft.Extensions.AI;

namespace Ded.Lab;

/// <summary>
/// The lab's programmatic teachers, reached through <see cref="IChatClient"/> exactly like real endpoints.
/// Each has a personality: "oracle" is always right but skips every step; "careful" writes every step and
/// sometimes slips; "verbose" buries its steps in filler and now and then breaks the answer format; "explorer" checks
/// itself and redoes a wrong first attempt.
/// </summary>
public static class LabTeachers
{
    public static IReadOnlyList<string> Names { get; } = ["oracle", "careful", "verbose", "explorer"];

    /// <summary>A teacher client by name.</summary>
    /// <exception cref="ArgumentException">An unknown teacher name.</exception>
    public static IChatClient Create(string name) => new LabTeacherClient(name switch
    {
        "oracle" => new OracleStyle(),
        "careful" => new CarefulStyle(),
        "verbose" => new VerboseStyle(),
        "explorer" => new ExplorerStyle(),
        _ => throw new ArgumentException($"unknown lab teacher '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    });
}
