using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Ded.Recipes;

/// <summary>
/// Errors found after loading (an unset key variable, a tokenizer the run needs) still name the recipe's line: the
/// line of a key path such as <c>teachers[0].endpoint.api_key_env</c> in the recipe's text.
/// </summary>
public static partial class RecipeLocation
{
    /// <summary>An error at <paramref name="keyPath"/> of <paramref name="recipe"/> (its text read from its file when not given).</summary>
    public static RecipeException Error(Recipe recipe, string keyPath, string message, string? recipeText = null)
    {
        recipeText ??= File.Exists(recipe.SourcePath) ? File.ReadAllText(recipe.SourcePath) : "";
        return new RecipeException(recipe.SourcePath, LineOf(recipeText, keyPath), keyPath, message);
    }

    /// <summary>
    /// Builds what <paramref name="create"/> builds; an endpoint whose API-key variable is unset fails at the recipe line
    /// of <paramref name="endpointPath"/><c>.api_key_env</c>, naming the variable.
    /// </summary>
    public static T RequiringKey<T>(Recipe recipe, string endpointPath, string? variable, Func<T> create, string? recipeText = null)
    {
        try
        {
            return create();
        }
        catch (Teachers.Endpoints.EndpointException e) when (e.Cause == Teachers.Endpoints.FaultCauses.MissingKey && variable is not null)
        {
            throw Error(recipe, endpointPath + ".api_key_env", Teachers.Endpoints.EndpointClientFactory.MissingKey(variable), recipeText);
        }
    }

    /// <summary>The line of the deepest part of <paramref name="keyPath"/> present in <paramref name="yaml"/> (1 when none is).</summary>
    public static long LineOf(string yaml, string keyPath) => Find(yaml, keyPath).Line;

    /// <summary>Whether <paramref name="yaml"/> sets <paramref name="keyPath"/> itself.</summary>
    public static bool IsSet(string yaml, string keyPath) => Find(yaml, keyPath).Found;

    private static (long Line, bool Found) Find(string yaml, string keyPath)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException)
        {
            return (1, false);
        }
        if (stream.Documents.Count == 0) return (1, false);
        YamlNode node = stream.Documents[0].RootNode;
        long line = 1;
        foreach (Match part in Part().Matches(keyPath))
        {
            var next = Child(node, part, ref line);
            if (next is null) return (line, false);
            node = next;
        }
        return (line, true);
    }

    private static YamlNode? Child(YamlNode node, Match part, ref long line)
    {
        if (part.Groups["key"].Success)
        {
            if (node is not YamlMappingNode map) return null;
            foreach (var (key, value) in map.Children)
                if (key is YamlScalarNode { Value: var name } && name == part.Groups["key"].Value)
                {
                    line = key.Start.Line;
                    return value;
                }
            return null;
        }
        var index = int.Parse(part.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (node is not YamlSequenceNode seq || index >= seq.Children.Count) return null;
        line = seq.Children[index].Start.Line;
        return seq.Children[index];
    }

    [GeneratedRegex(@"(?<key>[^.\[\]]+)|\[(?<index>\d+)\]")]
    private static partial Regex Part();
}
