using Microsoft.Extensions.AI;

namespace Ded.Lab;

/// <summary>
/// The lab's programmatic teachers, reached through <see cref="IChatClient"/> exactly like real endpoints. Their
/// styles differ in what a small student could learn from them: "oracle" is always right but shows no step; "careful"
/// writes every step and slips now and then; "granular" takes smaller steps; "terse" skips every other step; "verbose"
/// buries its steps in filler and now and then breaks the answer format; "explorer" checks itself and redoes a wrong
/// first attempt; "answer-first" states the answer before the work; "sloppy" slips four times as often as "careful".
/// </summary>
public static class LabTeachers
{
    public static IReadOnlyList<string> Names { get; } = ["oracle", "careful", "granular", "terse", "verbose", "explorer", "answer-first", "sloppy"];

    /// <summary>The base student's pretraining style (not a teacher): every step, plainly, slipping more than most.</summary>
    public const string BaseStyle = "plain";

    /// <summary>The base student's second phase (not a teacher): the plain style, forgetting four carries in five.</summary>
    public const string HabitStyle = "hasty";

    /// <summary>A teacher client by name.</summary>
    /// <exception cref="ArgumentException">An unknown teacher name.</exception>
    public static IChatClient Create(string name) => new LabTeacherClient(Style(name));

    /// <summary>What the named style (a teacher or <see cref="BaseStyle"/>) writes for a question, from a seed.</summary>
    public static string Write(string name, string question, int seed, float temperature) =>
        Style(name).Answer(question, new Random(seed), temperature);

    /// <summary>
    /// A response in the teacher's style whose boxed answer is wrong: one value slips and the slip is carried forward
    /// (the negative control's traces). Null when no slip changes the answer (a question with nothing to compute).
    /// </summary>
    public static string? WrongAnswer(string name, string question, string gold, int seed, float temperature)
    {
        var style = Style(name);
        var plain = Slip.None;
        var fine = Slip.None;
        if (LabWorld.Solve(question, plain) is null) return null;
        LabWorld.Solve(question, fine, LabGranularity.Fine);
        int values = Math.Max(1, Math.Max(plain.Values, fine.Values));
        var rng = new Random(seed);
        for (int attempt = 0; attempt < 64; attempt++)
        {
            string text = style.Answer(question, rng, temperature, Slip.At(rng, rng.Next(values)));
            if (LabAnswers.ExtractBoxed(text) is { } answer && answer != gold) return text;
        }
        return null;
    }

    private static LabTeacherStyle Style(string name) => name switch
    {
        "oracle" => new OracleStyle(),
        "careful" => new CarefulStyle(),
        "granular" => new GranularStyle(),
        "terse" => new TerseStyle(),
        "verbose" => new VerboseStyle(),
        "explorer" => new ExplorerStyle(),
        "answer-first" => new AnswerFirstStyle(),
        "sloppy" => new SloppyStyle(),
        BaseStyle => new PlainStyle(),
        HabitStyle => new HastyStyle(),
        _ => throw new ArgumentException($"unknown lab teacher '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };
}
