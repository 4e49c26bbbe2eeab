using Ded.Data;

namespace Ded.Verification;

/// <summary>Sends code questions to the code verifier and every other one to the math verifier (mixed corpora).</summary>
public sealed class DomainVerifier(IVerifier math, IVerifier code) : IVerifier
{
    public string Name => "auto";

    public async ValueTask<Verdict> VerifyAsync(Question question, Answer answer, CancellationToken cancellationToken)
    {
        var verdict = await (question.Domain == "code" ? code : math).VerifyAsync(question, answer, cancellationToken);
        // One name for the run's rule verdicts, so the correctness filter reads them all; the reason says which rule.
        return verdict with { Verifier = Name, Reason = $"{verdict.Verifier}: {verdict.Reason}" };
    }
}
