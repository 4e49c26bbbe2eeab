using Ded.Recipes;
using Ded.Teachers.Endpoints;
using Ded.Verification.Code;
using Ded.Verification.Math;

namespace Ded.Verification;

/// <summary>Builds a recipe's rule verifier and, when one is configured, its judge.</summary>
public static class Verifiers
{
    /// <param name="sandbox">Makes the code sandbox (only called for code and auto verifiers).</param>
    /// <param name="extensions">The client's verifier kinds (the recipe's own when null).</param>
    /// <exception cref="EndpointException">The judge endpoint's API-key variable is not set.</exception>
    /// <exception cref="InvalidOperationException">A kind no extension provides.</exception>
    public static (IVerifier Rule, IVerifier? Judge) Create(VerifierSpec spec, Func<ISandbox> sandbox, RecipeExtensions extensions)
    {
        ArgumentNullException.ThrowIfNull(spec);
        IVerifier rule = spec.Kind switch
        {
            VerifierSpec.Math => new MathAnswerVerifier(spec.MathOptions()),
            VerifierSpec.Code => new CodeAnswerVerifier(sandbox(), new CodeVerifyOptions()),
            VerifierSpec.Auto => new DomainVerifier(new MathAnswerVerifier(spec.MathOptions()), new CodeAnswerVerifier(sandbox(), new CodeVerifyOptions())),
            var kind => extensions.Verifiers.FirstOrDefault(v => v.Name == kind)?.Create(spec)
                ?? throw new InvalidOperationException($"verifier '{kind}' is not known here (known: {string.Join(", ", Names(extensions))})"),
        };
        if (spec.Judge is not { } endpoint) return (rule, null);
        var judge = new LlmJudge(EndpointClientFactory.Create(endpoint), new LlmJudgeOptions { JudgeModel = endpoint.Model });
        return (rule, new JudgeVerifier(judge, endpoint.Model));
    }

    /// <summary>Every verifier kind a recipe may name with these extensions.</summary>
    public static IReadOnlyList<string> Names(RecipeExtensions extensions) => [.. VerifierSpec.BuiltIn, .. extensions.Verifiers.Select(v => v.Name)];
}
