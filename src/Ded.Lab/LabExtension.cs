using Ded.Data;
using Ded.Recipes;
using Ded.Student;
using Ded.Teachers;
using Ded.Training;
using Ded.Verification;
using Microsoft.Extensions.AI;

namespace Ded.Lab;

/// <summary>
/// The lab as a client of the pipeline: its `lab:` question sources, teachers and student, and the `lab` verifier,
/// registered with the recipe loader. A recipe whose questions are lab questions is graded by the lab's exact match
/// unless it names another verifier; nothing else ever is.
/// </summary>
public static class LabExtension
{
    public static RecipeExtensions Kinds { get; } = new()
    {
        Sources = [new SourceKind()], Teachers = [new TeacherKind()], Students = [new StudentKind()], Verifiers = [new VerifierKind()],
    };

    private sealed class SourceKind : IQuestionSourceKind
    {
        public string Key => "lab";
        public Type SpecType => typeof(LabPoolSource);

        public QuestionSource Read(RecipeSection s, string baseDir)
        {
            var d = new LabPoolSource();
            var families = s.StringList("families");
            foreach (var family in families ?? [])
                if (!LabWorld.Families.Contains(family))
                    throw s.Unknown("families", "has unknown family", family, [.. LabWorld.Families]);
            var pool = new LabPoolSource
            {
                Families = families,
                Count = s.Int("count", d.Count, 1, 1_000_000),
                MinDifficulty = s.Int("min_difficulty", d.MinDifficulty, 1),
                MaxDifficulty = s.Int("max_difficulty", d.MaxDifficulty, 1),
                Seed = s.Int("seed", d.Seed),
                CountAt = (s.File, s.Node("count")?.Start.Line ?? s.Line, s.KeyPath("count")),
            };
            if (pool.MaxDifficulty < pool.MinDifficulty)
                throw new RecipeException(s.File, s.Line, s.KeyPath("max_difficulty"), $"must be >= min_difficulty {pool.MinDifficulty} (got {pool.MaxDifficulty})");
            s.Done();
            return pool;
        }
    }

    private sealed class TeacherKind : ITeacherKind
    {
        public string Key => "lab";
        public Type SpecType => typeof(LabTeacherSpec);
        public string Usage => "`lab: NAME`";

        public TeacherSpec Read(string name, RecipeSection teacher, string baseDir)
        {
            var lab = teacher.RequiredString("lab");
            if (!LabTeachers.Names.Contains(lab)) throw teacher.Unknown("lab", "unknown lab teacher", lab, [.. LabTeachers.Names]);
            return new LabTeacherSpec { Name = name, Lab = lab };
        }
    }

    private sealed class StudentKind : IStudentKind
    {
        public string Key => "lab";
        public Type SpecType => typeof(LabStudentSpec);
        public IReadOnlyList<string> OtherKeys { get; } = ["checkpoint"];
        public string Usage => "`lab: NAME` (with an optional `checkpoint: DIR`)";

        public StudentSpec Read(RecipeSection s, string baseDir)
        {
            var checkpoint = s.String("checkpoint", null);
            return new LabStudentSpec
            {
                Lab = s.String("lab", new LabStudentSpec().Lab)!,
                Checkpoint = checkpoint is null ? null : Path.GetFullPath(Path.Combine(baseDir, checkpoint)),
            };
        }
    }

    private sealed class VerifierKind : IVerifierKind
    {
        public string Name => LabExactVerifier.KindName;
        public IVerifier Create(VerifierSpec spec) => new LabExactVerifier();
    }
}

/// <summary>A seeded pool from the lab world; graded by the lab's exact match unless the recipe names another verifier.</summary>
public sealed record LabPoolSource : QuestionSource
{
    public IReadOnlyList<string>? Families { get; init; } // null: the lab's in-domain families
    public int Count { get; init; } = 200;
    public int MinDifficulty { get; init; } = 1;
    public int MaxDifficulty { get; init; } = 4;
    public int Seed { get; init; } = 1;
    /// <summary>Where the recipe set <see cref="Count"/>, for the error when the families hold fewer problems: not part of
    /// the source (neither of its snapshot nor of its equality, so a run folder's recipe read back equals the file's).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public (string File, long Line, string KeyPath)? CountAt { get; init; }

    public bool Equals(LabPoolSource? other) =>
        other is not null && base.Equals(other) && EqualityComparer<IReadOnlyList<string>?>.Default.Equals(Families, other.Families)
        && (Count, MinDifficulty, MaxDifficulty, Seed) == (other.Count, other.MinDifficulty, other.MaxDifficulty, other.Seed);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Families, Count, MinDifficulty, MaxDifficulty, Seed);

    public override string? Verifier => LabExactVerifier.KindName;

    /// <exception cref="RecipeException">The families hold fewer distinct problems than <see cref="Count"/> in the difficulty range.</exception>
    public override IReadOnlyList<Question> Load()
    {
        try
        {
            return LabWorld.Pool(new LabPoolOptions
            {
                Families = Families ?? LabWorld.InDomainFamilies, Count = Count, MinDifficulty = MinDifficulty, MaxDifficulty = MaxDifficulty, Seed = Seed,
            }).Select(p => ToQuestion(p, Seed)).ToList();
        }
        catch (InvalidOperationException e) when (CountAt is { } at)
        {
            throw new RecipeException(at.File, at.Line, at.KeyPath, e.Message);
        }
    }

    /// <summary>A lab problem as a question of a run (or of an evaluation set).</summary>
    public static Question ToQuestion(LabProblem p, int poolSeed) => new()
    {
        Id = p.Id, Source = "lab", Text = p.Question, GoldAnswer = p.Answer,
        Domain = p.Domain.ToString().ToLowerInvariant(), Family = p.Family, Difficulty = p.Difficulty,
        Metadata = new Dictionary<string, string> { ["pool_seed"] = poolSeed.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };
}

/// <summary>A lab teacher ("oracle", "careful", ...), reached in process through <see cref="IChatClient"/> like an endpoint.</summary>
public sealed record LabTeacherSpec : TeacherSpec
{
    public required string Lab { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public override string ModelId => "lab/" + Lab;

    public override IChatClient CreateClient() => LabTeachers.Create(Lab);
}

/// <summary>The lab's tiny student: the shipped (or cached) base, or a checkpoint folder.</summary>
public sealed record LabStudentSpec : StudentSpec
{
    public string Lab { get; init; } = "tiny";
    /// <summary>A lab student checkpoint folder (full path) to use instead of the shipped base; null for the base.</summary>
    public string? Checkpoint { get; init; }

    // One libtorch thread, as `ded serve --checkpoint` uses by default, so the two sample alike.
    /// <exception cref="RecipeValueException">The checkpoint folder is missing or holds no checkpoint.</exception>
    public override IStudent Create(Action<string> log, CancellationToken cancellationToken)
    {
        if (Checkpoint is null) return LabBase.LoadOrPretrain(new LabBaseOptions(), log, cancellationToken);
        if (!File.Exists(Path.Combine(Checkpoint, Student.Training.Checkpoint.ConfigFile)))
            throw new RecipeValueException("checkpoint", Directory.Exists(Checkpoint)
                ? $"{Checkpoint} is not a lab student checkpoint (no {Student.Training.Checkpoint.ConfigFile}); point it at a folder `ded train --engine ded` wrote"
                : $"folder not found: {Checkpoint} (relative paths resolve against the recipe's folder)");
        return LabStudent.Load(Checkpoint, threads: 1);
    }
}
