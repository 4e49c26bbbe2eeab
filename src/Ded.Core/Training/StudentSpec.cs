using System.Text.Json.Serialization;
using Ded.Data.Templates;
using Ded.Teachers.Endpoints;

namespace Ded.Training;

/// <summary>
/// The student a recipe names (`student:`); absent means none, and compression then fails at load. The core knows
/// served students; a client adds kinds (the lab's tiny student) through an <see cref="Recipes.IStudentKind"/>.
/// </summary>
public abstract record StudentSpec
{
    /// <summary>Builds the student: opens its endpoint, loads its checkpoint.</summary>
    /// <param name="log">Progress lines (a student pretrained on first use says so).</param>
    /// <exception cref="EndpointException">An endpoint whose API-key variable is not set.</exception>
    public abstract IStudent Create(Action<string> log, CancellationToken cancellationToken);
}

/// <summary>
/// A served student (e.g. <c>ded serve --checkpoint</c>, vLLM): asked over chat with the optional system prompt; with
/// a chat template it also scores (through completions, the prompt rendered as the server renders chat).
/// </summary>
public sealed record EndpointStudentSpec : StudentSpec
{
    public required EndpointOptions Endpoint { get; init; }
    /// <summary>The system message before each question; null for none (reasoning models take none).</summary>
    public string? System { get; init; }
    /// <summary>The built-in chat template the server applies (qwen3, chatml, deepseek-r1); null: the student only samples.</summary>
    public string? ChatTemplate { get; init; }

    public override IStudent Create(Action<string> log, CancellationToken cancellationToken)
    {
        if (ChatTemplate is null) return new EndpointStudent(Endpoint, System);
        var template = Data.Templates.ChatTemplate.Get(ChatTemplate);
        return new ScoringEndpointStudent(Endpoint, System, prompt => template.RenderPrompt(
            System is null ? [ChatMessage.User(prompt)] : [ChatMessage.System(System), ChatMessage.User(prompt)]));
    }
}
