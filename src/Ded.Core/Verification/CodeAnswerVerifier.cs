using Ded.Data;

namespace Ded.Verification.Code;

/// <summary>The code rule verifier for runs: the final answer's program against the tests the question carries in its metadata.</summary>
public sealed class CodeAnswerVerifier(ISandbox sandbox, CodeVerifyOptions options) : IVerifier
{
    private readonly CodeVerifier _verifier = new(sandbox);

    public string Name => "code";

    public async ValueTask<Verdict> VerifyAsync(Question question, Answer answer, CancellationToken cancellationToken)
    {
        if (!question.Metadata.TryGetValue(PoolCodeTests.TestsKey, out var json))
            return new Verdict { TrajectoryId = answer.Id, Kind = VerdictKind.Unverifiable, Reason = "the question carries no tests", Verifier = Name };
        var tests = PoolCodeTests.From(PoolCodeTests.FromJson(json), question.Metadata.GetValueOrDefault(PoolCodeTests.FunctionKey));
        var v = await _verifier.VerifyAsync(new CodeTask { Id = answer.Id, Response = answer.FinalText, Tests = tests }, options, cancellationToken);
        var kind = v.Status switch
        {
            CodeStatus.Passed => VerdictKind.Correct,
            CodeStatus.NoCode => VerdictKind.NoAnswer,
            CodeStatus.Timeout => VerdictKind.Timeout,
            CodeStatus.SandboxError => VerdictKind.Unverifiable, // our failure, not the program's
            _ => VerdictKind.Wrong,
        };
        var reason = $"{CodeVerdict.StatusName(v.Status)}: {v.TestsPassed}/{v.TestsTotal} tests passed";
        return new Verdict { TrajectoryId = answer.Id, Kind = kind, Reason = reason, Verifier = Name,
            Answer = v.Status == CodeStatus.NoCode ? null : $"{v.TestsPassed}/{v.TestsTotal}", Status = CodeVerdict.StatusName(v.Status) };
    }
}
