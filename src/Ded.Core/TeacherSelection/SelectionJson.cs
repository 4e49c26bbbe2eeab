using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ded.TeacherSelection;

/// <summary>The run store's JSON, with NaN and infinities allowed: a signal the scorer could not give is NaN, not an error.</summary>
internal static class SelectionJson
{
    public static JsonSerializerOptions Options { get; } = new(Runs.RunJson.Options) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;
}
