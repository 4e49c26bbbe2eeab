using System.Text.RegularExpressions;
using Ded.Verification.Math.Latex;

namespace Ded.Verification.Math;

/// <summary>Is a model output's final answer the same as the gold answer? Extraction, parsing and a small exact
/// CAS of our own (no maintained .NET computer-algebra library exists), with Math-Verify's gold-first semantics.
/// Never hangs: sizes are capped and a deadline is polled cooperatively. Stateless and thread-safe.</summary>
public static partial class MathVerifier
{
    /// <summary>Extracts both sides with the same settings and compares them, gold first (not symmetric).</summary>
    public static MathVerdict Verify(string gold, string pred, MathVerifyOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(pred);
        ArgumentNullException.ThrowIfNull(options);
        var budget = new Budget(options.Timeout, ct);
        string? goldText = null, predText = null;
        try
        {
            if (options.Extraction == MathExtraction.Choice || BareLetter().IsMatch(gold)) return VerifyChoice(gold, pred);
            var g = ParseFirst(GoldCandidates(gold, options), budget);
            if (g is null) return new MathVerdict(false, MathVerifyStatus.GoldUnparsed, null, null);
            goldText = NodePrinter.Print(g);
            var p = ParseFirst(MathAnswerExtractor.Candidates(pred, options.Extraction, options.BoxedMatchPriority), budget);
            if (p is null) return new MathVerdict(false, MathVerifyStatus.NoAnswer, goldText, null);
            predText = NodePrinter.Print(p);
            var equal = goldText == predText || Compare(g, p, options, budget);
            return new MathVerdict(equal, MathVerifyStatus.Ok, goldText, predText);
        }
        catch (BudgetExceededException)
        {
            return new MathVerdict(false, MathVerifyStatus.Timeout, goldText, predText);
        }
        catch (TooLargeException)
        {
            return new MathVerdict(false, MathVerifyStatus.TooLarge, goldText, predText);
        }
    }

    private static bool Compare(Node g, Node p, MathVerifyOptions options, Budget budget)
    {
        try
        {
            if (new Equivalence(options, budget).Equal(g, p)) return true;
            return !options.Strict && RenamedEqual(g, p, options, budget);
        }
        catch (ArithmeticException)
        {
            return false; // e.g. a division by zero inside exact arithmetic: not provably equal
        }
    }

    /// <summary>strict=False: a prediction whose single free symbol differs from the gold's may be renamed.</summary>
    private static bool RenamedEqual(Node g, Node p, MathVerifyOptions options, Budget budget)
    {
        var gs = Symbols(g).ToHashSet();
        var ps = Symbols(p).ToHashSet();
        var onlyGold = gs.Except(ps).ToList();
        var onlyPred = ps.Except(gs).ToList();
        if (onlyGold.Count != 1 || onlyPred.Count != 1) return false;
        var (from, to) = (onlyPred[0], onlyGold[0]);
        return new Equivalence(options, budget).Equal(g, Rename(p, from, to));
    }

    private static IEnumerable<string> Symbols(Node n) => n switch
    {
        Sym s => [s.Name],
        Add a => a.Terms.SelectMany(Symbols),
        Mul m => m.Factors.SelectMany(Symbols),
        Div d => Symbols(d.Left).Concat(Symbols(d.Right)),
        Neg x => Symbols(x.Inner),
        Pow p => Symbols(p.Base).Concat(Symbols(p.Exponent)),
        Func f => f.Args.SelectMany(Symbols),
        _ => [],
    };

    private static Node Rename(Node n, string from, string to) => n switch
    {
        Sym s => s.Name == from ? new Sym(to) : s,
        Add a => new Add(a.Terms.Select(t => Rename(t, from, to)).ToList()),
        Mul m => new Mul(m.Factors.Select(t => Rename(t, from, to)).ToList()),
        Div d => new Div(Rename(d.Left, from, to), Rename(d.Right, from, to)),
        Neg x => new Neg(Rename(x.Inner, from, to)),
        Pow p => new Pow(Rename(p.Base, from, to), Rename(p.Exponent, from, to)),
        Func f => new Func(f.Name, f.Args.Select(t => Rename(t, from, to)).ToList()),
        _ => n,
    };

    /// <summary>A gold with no delimiters is one whole expression (MATH-500's bare answers); Ded needs no \boxed{}.</summary>
    private static IEnumerable<string> GoldCandidates(string gold, MathVerifyOptions options)
    {
        var extracted = MathAnswerExtractor.Candidates(gold, options.Extraction, options.BoxedMatchPriority);
        if (options.Extraction == MathExtraction.Expr || MathAnswerExtractor.HasDelimiters(gold) || gold.Length > Budget.MaxAnswerChars)
            return extracted;
        return extracted.Prepend(gold);
    }

    private static Node? ParseFirst(IEnumerable<string> candidates, Budget budget)
    {
        var tooLarge = false;
        foreach (var candidate in candidates)
        {
            try
            {
                var normalized = LatexNormalizer.Normalize(candidate);
                if (normalized.Length == 0) continue;
                return LatexParser.Parse(normalized, budget);
            }
            catch (ParseException) { }
            catch (FormatException) { }
            catch (OverflowException) { }
            catch (TooLargeException) { tooLarge = true; }
        }
        if (tooLarge) throw new TooLargeException("answer too large");
        return null;
    }

    private static MathVerdict VerifyChoice(string gold, string pred)
    {
        var g = BareLetter().Match(gold) is { Success: true } m ? m.Groups[1].Value.ToUpperInvariant() : MathAnswerExtractor.ExtractChoice(gold);
        if (g is null) return new MathVerdict(false, MathVerifyStatus.GoldUnparsed, null, null);
        var p = MathAnswerExtractor.ExtractChoice(pred);
        return p is null
            ? new MathVerdict(false, MathVerifyStatus.NoAnswer, g, null)
            : new MathVerdict(string.Equals(g, p, StringComparison.OrdinalIgnoreCase), MathVerifyStatus.Ok, g, p);
    }

    [GeneratedRegex(@"^\s*\(?([A-E])\)?\s*$")] private static partial Regex BareLetter();
}
