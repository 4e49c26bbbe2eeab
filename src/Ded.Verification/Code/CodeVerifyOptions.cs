namespace Ded.Verification.Code;

/// <summary>Options of <see cref="CodeVerifier"/>.</summary>
public sealed record CodeVerifyOptions
{
    public SandboxLimits Limits { get; init; } = new();
    // numpy.allclose's defaults, which APPS applies to real-valued stdout tokens
    public double RelativeTolerance { get; init; } = 1e-5;
    public double AbsoluteTolerance { get; init; } = 1e-8;
}
