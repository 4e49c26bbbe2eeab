namespace Ded.Recipes;

/// <summary>
/// A spec found one of its values unusable after loading (a checkpoint folder that is gone, say); <see cref="Key"/> is
/// relative to the spec's own block, and the caller places it at its recipe line (<see cref="RecipeLocation"/>).
/// </summary>
public sealed class RecipeValueException(string key, string message) : Exception(message)
{
    public string Key { get; } = key;
}
