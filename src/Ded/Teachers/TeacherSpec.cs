namespace Ded.Teachers;

/// <summary>A teacher as a recipe names it: either a lab teacher or an OpenAI-compatible endpoint.</summary>
public sealed record TeacherSpec
{
    /// <summary>The name used in ids and lineage (unique within a recipe).</summary>
    public required string Name { get; init; }
    /// <summary>Lab teacher name ("oracle", "careful", ...); null for an endpoint teacher.</summary>
    public string? Lab { get; init; }
    public EndpointOptions? Endpoint { get; init; }

    /// <summary>The model id that enters request keys: a lab teacher is "lab/NAME", an endpoint its model.</summary>
    public string ModelId => Lab is not null ? "lab/" + Lab : Endpoint?.Model ?? Name;
}

/// <summary>An OpenAI-compatible chat endpoint. The endpoint-clients work fills in retries, rate limits and caching.</summary>
public sealed record EndpointOptions
{
    public required string BaseUrl { get; init; }
    public required string Model { get; init; }
    /// <summary>Name of the environment variable holding the key; the key itself never enters a recipe or a log.</summary>
    public string ApiKeyEnv { get; init; } = "OPENAI_API_KEY";
    public int MaxConcurrency { get; init; } = 8;   // most hosted endpoints throttle beyond a handful of streams
    public double TimeoutSeconds { get; init; } = 600; // long reasoning traces take minutes
}
