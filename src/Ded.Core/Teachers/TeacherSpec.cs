using Ded.Teachers.Endpoints;

namespace Ded.Teachers;

/// <summary>A teacher as a recipe names it: either a lab teacher or an OpenAI-compatible endpoint.</summary>
public sealed record TeacherSpec
{
    /// <summary>The name used in ids and lineage (unique within a recipe).</summary>
    public required string Name { get; init; }
    /// <summary>Lab teacher name ("oracle", "careful", ...); null for an endpoint teacher.</summary>
    public string? Lab { get; init; }
    /// <summary>The endpoint (docs/endpoints.md); null for a lab teacher.</summary>
    public EndpointOptions? Endpoint { get; init; }

    /// <summary>The model id that enters request keys: a lab teacher is "lab/NAME", an endpoint its served model.</summary>
    public string ModelId => Lab is not null ? "lab/" + Lab : Endpoint?.Model ?? Name;
}
