using Ded.Data;
using Ded.Teachers;
using Ded.Training;
using Ded.Verification;

namespace Ded.Recipes;

/// <summary>
/// What a client of the pipeline adds to recipes: kinds of question source, teacher, student and verifier, each
/// under its own key. The core knows `jsonl:` and `pool:` sources, `endpoint:` teachers and students, and the math,
/// code and auto verifiers; the lab adds its `lab:` kinds (Ded.Lab's LabExtension). The CLI hands them to the loader.
/// </summary>
public sealed record RecipeExtensions
{
    public IReadOnlyList<IQuestionSourceKind> Sources { get; init; } = [];
    public IReadOnlyList<ITeacherKind> Teachers { get; init; } = [];
    public IReadOnlyList<IStudentKind> Students { get; init; } = [];
    public IReadOnlyList<IVerifierKind> Verifiers { get; init; } = [];

    /// <summary>The core's kinds only.</summary>
    public static RecipeExtensions None { get; } = new();

    /// <summary>These kinds and <paramref name="other"/>'s.</summary>
    public RecipeExtensions With(RecipeExtensions other) => new()
    {
        Sources = [.. Sources, .. other.Sources], Teachers = [.. Teachers, .. other.Teachers],
        Students = [.. Students, .. other.Students], Verifiers = [.. Verifiers, .. other.Verifiers],
    };
}

/// <summary>A kind of recipe entry that a client adds, selected by its YAML key.</summary>
public interface IRecipeKind
{
    /// <summary>The key that selects the kind (`lab` in `- lab: {...}`); also its "kind" in the run's recipe snapshot.</summary>
    string Key { get; }

    /// <summary>The record the kind reads (a subtype of the entry's base record), for the snapshot's JSON.</summary>
    Type SpecType { get; }
}

/// <summary>A kind of question source: `questions.sources[i].KEY: {...}`.</summary>
public interface IQuestionSourceKind : IRecipeKind
{
    /// <summary>Reads the mapping under the key; relative paths resolve against <paramref name="baseDir"/>.</summary>
    /// <exception cref="RecipeException">A bad or unknown key (file, line, key).</exception>
    QuestionSource Read(RecipeSection source, string baseDir);
}

/// <summary>A kind of teacher: `teachers[i]: { name: N, KEY: ... }`.</summary>
public interface ITeacherKind : IRecipeKind
{
    /// <summary>How an error shows this kind, e.g. "`lab: NAME`".</summary>
    string Usage { get; }

    /// <summary>Reads the teacher's item (its name is read already; the kind reads its key and any of its own).</summary>
    /// <exception cref="RecipeException">A bad value (file, line, key).</exception>
    TeacherSpec Read(string name, RecipeSection teacher, string baseDir);
}

/// <summary>A kind of student: `student: { KEY: ..., ... }`.</summary>
public interface IStudentKind : IRecipeKind
{
    /// <summary>Keys besides <see cref="IRecipeKind.Key"/> that mark a student block as this kind (the lab's `checkpoint`).</summary>
    IReadOnlyList<string> OtherKeys { get; }

    /// <summary>How an error shows this kind, e.g. "`lab: NAME` (with an optional `checkpoint: DIR`)".</summary>
    string Usage { get; }

    /// <summary>Reads the student block; relative paths resolve against <paramref name="baseDir"/>.</summary>
    /// <exception cref="RecipeException">A bad value (file, line, key).</exception>
    StudentSpec Read(RecipeSection student, string baseDir);
}

/// <summary>A kind of rule verifier: `verifier: NAME` or `verifier: { kind: NAME }`.</summary>
public interface IVerifierKind
{
    string Name { get; }

    IVerifier Create(VerifierSpec spec);
}
