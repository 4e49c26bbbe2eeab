using Ded.Recipes;

namespace Ded.Lab;

/// <summary>The embedded lab recipe's `--quick` variant.</summary>
public static class LabRecipe
{
    public const int QuickQuestionsPerSource = 20; // 20 × 8 teachers × M 6 = 960 samples: seconds on a laptop
    public const int QuickSamplesPerQuestion = 6;  // M above P (4), so that choosing P is still a choice

    /// <summary>The teachers a quick run keeps (when the recipe has them): the benchmark-best one, two that show their
    /// steps and one that checks itself; eight smoke-test fine-tunes do not fit in two minutes.</summary>
    public static IReadOnlyList<string> QuickTeachers { get; } = ["oracle", "careful", "explorer", "sloppy"];

    /// <summary>The same recipe with fewer questions per lab source, fewer samples per question and, where the recipe
    /// names them, only <see cref="QuickTeachers"/>.</summary>
    public static Recipe Quick(Recipe recipe) => recipe with
    {
        Name = recipe.Name + "-quick",
        Teachers = recipe.Teachers.Count(t => QuickTeachers.Contains(t.Name)) >= 2
            ? recipe.Teachers.Where(t => QuickTeachers.Contains(t.Name)).ToList() : recipe.Teachers,
        Questions = recipe.Questions with
        {
            Sources = recipe.Questions.Sources.Select(s => s is LabPoolSource lab
                ? lab with { Count = Math.Min(lab.Count, QuickQuestionsPerSource) } : s).ToList(),
        },
        Sampling = recipe.Sampling with { SamplesPerQuestion = Math.Min(recipe.Sampling.SamplesPerQuestion, QuickSamplesPerQuestion) },
    };

    /// <summary>The note put on top of a quick run's recipe snapshot, so the snapshot says what was changed.</summary>
    public static string QuickNote =>
        $"# ded lab --quick: lab sources capped at {QuickQuestionsPerSource} questions, samples_per_question at {QuickSamplesPerQuestion}, "
        + $"teachers {string.Join(", ", QuickTeachers)}\n";
}
