using System.Text.Json.Serialization;
using Ded.Teachers.Endpoints;
using Microsoft.Extensions.AI;

namespace Ded.Teachers;

/// <summary>
/// A teacher as a recipe names it. The core knows endpoint teachers; a client adds kinds (the lab's teachers) through
/// an <see cref="Recipes.ITeacherKind"/>.
/// </summary>
public abstract record TeacherSpec
{
    /// <summary>The name used in ids and lineage (unique within a recipe).</summary>
    public required string Name { get; init; }

    /// <summary>The model id that enters request keys (a lab teacher is "lab/NAME", an endpoint its served model).</summary>
    [JsonIgnore]
    public abstract string ModelId { get; }

    /// <summary>The chat client that reaches the teacher.</summary>
    /// <exception cref="EndpointException">An endpoint whose API-key variable is not set.</exception>
    public abstract IChatClient CreateClient();
}

/// <summary>A teacher behind an OpenAI-compatible endpoint (docs/endpoints.md).</summary>
public sealed record EndpointTeacherSpec : TeacherSpec
{
    public required EndpointOptions Endpoint { get; init; }

    [JsonIgnore]
    public override string ModelId => Endpoint.Model;

    // Retries, rate limits, max in flight and failover live in the endpoint stack; the run store is the pay-once cache above it.
    public override IChatClient CreateClient() => EndpointClientFactory.Create(Endpoint);
}
