using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ded.Runs;

/// <summary>The one JSON shape for everything the run store keeps as JSON (snapshots, settings).</summary>
internal static class RunJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;
}
