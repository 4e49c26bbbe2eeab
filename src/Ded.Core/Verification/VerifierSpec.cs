using Ded.Teachers.Endpoints;

namespace Ded.Verification;

/// <summary>Which rule verifier judges a run's answers.</summary>
public enum VerifierKind
{
    /// <summary>The lab's exact `\boxed{}` match (lab pools).</summary>
    Lab,
    /// <summary>Math-Verify-style equivalence (DED §3.2 rule verification for math).</summary>
    Math,
    /// <summary>The question's tests run in the sandbox.</summary>
    Code,
    /// <summary>Math or code by each question's domain (the paper's mixed corpus).</summary>
    Auto,
}

/// <summary>The recipe's `verifier:` block.</summary>
public sealed record VerifierSpec
{
    public VerifierKind Kind { get; init; } = VerifierKind.Lab;
    public int FloatRounding { get; init; } = Math.MathVerifyOptions.Default.FloatRounding;
    public bool Strict { get; init; } = Math.MathVerifyOptions.Default.Strict;
    public TimeSpan MathTimeout { get; init; } = Math.MathVerifyOptions.Default.Timeout;
    /// <summary>An LLM judge for answers the rules cannot judge (gold unparsed); null for none.</summary>
    public EndpointOptions? Judge { get; init; }

    public Math.MathVerifyOptions MathOptions() =>
        new() { FloatRounding = FloatRounding, Strict = Strict, Timeout = MathTimeout };
}
