using Ded.Teachers.Endpoints;
using Ded.Verification.Code;
using Ded.Verification.Math;

namespace Ded.Verification;

/// <summary>Builds a recipe's rule verifier and, when one is configured, its judge.</summary>
public static class Verifiers
{
    /// <param name="sandbox">Makes the code sandbox (only called for code and auto verifiers).</param>
    /// <exception cref="EndpointException">The judge endpoint's API-key variable is not set.</exception>
    public static (IVerifier Rule, IVerifier? Judge) Create(VerifierSpec spec, Func<ISandbox> sandbox)
    {
        ArgumentNullException.ThrowIfNull(spec);
        IVerifier rule = spec.Kind switch
        {
            VerifierKind.Lab => new LabExactVerifier(),
            VerifierKind.Math => new MathAnswerVerifier(spec.MathOptions()),
            VerifierKind.Code => new CodeAnswerVerifier(sandbox(), new CodeVerifyOptions()),
            _ => new DomainVerifier(new MathAnswerVerifier(spec.MathOptions()), new CodeAnswerVerifier(sandbox(), new CodeVerifyOptions())),
        };
        if (spec.Judge is not { } endpoint) return (rule, null);
        var judge = new LlmJudge(EndpointClientFactory.Create(endpoint), new LlmJudgeOptions { JudgeModel = endpoint.Model });
        return (rule, new JudgeVerifier(judge, endpoint.Model));
    }
}
