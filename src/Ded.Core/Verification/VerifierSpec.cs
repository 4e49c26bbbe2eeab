using Ded.Teachers.Endpoints;

namespace Ded.Verification;

/// <summary>The recipe's `verifier:` block. Its kind is named, or comes from the questions' declared domain; never a default.</summary>
public sealed record VerifierSpec
{
    /// <summary>Math-Verify-style equivalence (DED §3.2 rule verification for math).</summary>
    public const string Math = "math";
    /// <summary>The question's tests run in the sandbox.</summary>
    public const string Code = "code";
    /// <summary>Math or code by each question's domain (the paper's mixed corpus).</summary>
    public const string Auto = "auto";

    /// <summary>The core's kinds; a client adds its own (<see cref="Recipes.IVerifierKind"/>).</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = [Math, Code, Auto];

    public required string Kind { get; init; }
    public int FloatRounding { get; init; } = Verification.Math.MathVerifyOptions.Default.FloatRounding;
    public bool Strict { get; init; } = Verification.Math.MathVerifyOptions.Default.Strict;
    public TimeSpan MathTimeout { get; init; } = Verification.Math.MathVerifyOptions.Default.Timeout;
    /// <summary>An LLM judge for answers the rules cannot judge (gold unparsed); null for none.</summary>
    public EndpointOptions? Judge { get; init; }

    public Verification.Math.MathVerifyOptions MathOptions() =>
        new() { FloatRounding = FloatRounding, Strict = Strict, Timeout = MathTimeout };
}
