using Ded.Recipes;

namespace Ded.Lab;

/// <summary>The embedded lab recipe's `--quick` variant.</summary>
public static class LabRecipe
{
    public const int QuickQuestionsPerSource = 20; // 20 × 8 teachers × M 6 = 960 samples: seconds on a laptop
    public const int QuickSamplesPerQuestion = 6;  // M above P (4), so that choosing P is still a choice

    /// <summary>The same recipe with fewer questions per lab source and fewer samples per question.</summary>
    public static Recipe Quick(Recipe recipe) => recipe with
    {
        Name = recipe.Name + "-quick",
        Questions = recipe.Questions with
        {
            Sources = recipe.Questions.Sources.Select(s => s is LabPoolSource lab
                ? lab with { Count = Math.Min(lab.Count, QuickQuestionsPerSource) } : s).ToList(),
        },
        Sampling = recipe.Sampling with { SamplesPerQuestion = Math.Min(recipe.Sampling.SamplesPerQuestion, QuickSamplesPerQuestion) },
    };

    /// <summary>The note put on top of a quick run's recipe snapshot, so the snapshot says what was changed.</summary>
    public static string QuickNote =>
        $"# ded lab --quick: lab sources capped at {QuickQuestionsPerSource} questions, samples_per_question at {QuickSamplesPerQuestion}\n";
}
