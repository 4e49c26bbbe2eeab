using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ded.Data;
using Ded.Teachers;
using Ded.Training;

namespace Ded.Recipes;

/// <summary>
/// A recipe as the run store keeps it (the resolved snapshot a rerun must match). Question sources, teachers and
/// students are records of several kinds, some a client's, so their JSON "kind" is set up here from the extensions
/// rather than by attributes that would have to name every kind in the core.
/// </summary>
public static class RecipeJson
{
    public static string Write(Recipe recipe) => JsonSerializer.Serialize(recipe, Options(recipe.Extensions));

    /// <exception cref="JsonException">A kind none of <paramref name="extensions"/> knows.</exception>
    public static Recipe Read(string json, RecipeExtensions extensions) =>
        JsonSerializer.Deserialize<Recipe>(json, Options(extensions))! with { Extensions = extensions };

    private static JsonSerializerOptions Options(RecipeExtensions extensions) => new(Runs.RunJson.Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { info => AddKinds(info, extensions) } },
    };

    private static void AddKinds(JsonTypeInfo info, RecipeExtensions extensions)
    {
        IEnumerable<(Type, string)>? kinds =
            info.Type == typeof(QuestionSource) ? [(typeof(JsonlSource), "jsonl"), (typeof(PoolSource), "pool"), .. Of(extensions.Sources)]
            : info.Type == typeof(TeacherSpec) ? [(typeof(EndpointTeacherSpec), "endpoint"), (typeof(Teachers.Recorded.RecordedTeacherSpec), "recorded"), .. Of(extensions.Teachers)]
            : info.Type == typeof(StudentSpec) ? [(typeof(EndpointStudentSpec), "endpoint"), .. Of(extensions.Students)]
            : null;
        if (kinds is null) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "kind" };
        foreach (var (type, key) in kinds) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, key));
    }

    private static IEnumerable<(Type, string)> Of(IEnumerable<IRecipeKind> kinds) => kinds.Select(k => (k.SpecType, k.Key));
}
