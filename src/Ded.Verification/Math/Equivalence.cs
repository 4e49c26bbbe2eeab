using System.Numerics;
using Ded.Verification.Math.Cas;

namespace Ded.Verification.Math;

/// <summary>Gold-first equivalence of parsed answers, following Math-Verify's rules: an assignment gold
/// (`x = 3`) is compared by its right side; sets are unordered, tuples ordered, a tuple against a set in order;
/// intervals by ends and openness; relations up to a constant factor (positive for inequalities); scalars exactly
/// as rational functions where possible, else numerically at seeded points, with float rounding.</summary>
internal sealed class Equivalence(MathVerifyOptions options, Budget budget)
{
    private const int Points = 3;             // evaluation points when symbols are present
    private const double Tolerance = 1e-9;    // relative, for exact-valued expressions evaluated in doubles
    private const int MaxItems = 256;         // set/tuple sizes compared pairwise

    public bool Equal(Node gold, Node pred)
    {
        budget.Tick();
        gold = Prepare(gold);
        pred = Prepare(pred);
        // why: Math-Verify compares a gold membership with a relation only when asked; the other way round it
        // reads the gold relation as a set (its tests: `a \le x \le b` gold matches `x \in [a,b]`).
        if (gold is Member gm && pred is not Member)
        {
            if (pred is Rel && !options.AllowSetRelationComparison) return false;
            return Equal(gm.Set, pred);
        }
        if (pred is Member pm && gold is not Member) return Equal(gold, pm.Set);
        if (gold is Member g2 && pred is Member p2) return Equal(g2.Set, p2.Set);
        if (gold is Rel gr && pred is not Rel && gr.Ops.All(o => o == "="))
            return IsAssignment(gr) && Equal(gr.Parts[^1], pred);
        if (pred is Rel pr && gold is not Rel && pr.Ops.All(o => o == "=")) return Equal(gold, pr.Parts[^1]);
        if (gold is Text || pred is Text) return TextKey(gold) == TextKey(pred);
        return gold switch
        {
            SetNode gs => SetCompare(gs, pred),
            TupleNode gt => TupleCompare(gt, pred),
            Interval gi => IntervalCompare(gi, pred),
            Union gu => pred is Union pu ? Unordered(gu.Parts, pu.Parts) : pred is Interval && gu.Parts.Count == 1 && Equal(gu.Parts[0], pred),
            Rel grel => RelationCompare(grel, pred),
            Matrix gmx => pred is Matrix pmx && MatrixCompare(gmx, pmx),
            _ => pred switch
            {
                SetNode { Items.Count: 1 } ps => Equal(gold, ps.Items[0]),
                SetNode or TupleNode or Interval or Union or Matrix or Rel or Member => false,
                _ => ScalarEqual(gold, pred),
            },
        };
    }

    /// <summary>Expands ± into alternatives and unwraps assignments inside lists (`x = 1, y = 2` → {1, 2}).</summary>
    private static Node Prepare(Node node)
    {
        switch (node)
        {
            case SetNode s:
            {
                var items = new List<Node>();
                foreach (var item in s.Items)
                {
                    var it = item is Rel r && IsAssignment(r) ? r.Parts[^1] : item;
                    if (ContainsPlusMinus(it) && Alternatives(it) is { Count: > 1 } alts) items.AddRange(alts); else items.Add(it);
                }
                return new SetNode(items);
            }
            case Rel r when r.Parts[^1] is SetNode or TupleNode && r.Ops.All(o => o == "="):
                return r.Parts[^1];
            case Add or Mul or Neg when ReduceMatrix(node) is { } m:
                return m;
            default:
                return ContainsPlusMinus(node) && Alternatives(node) is { Count: > 1 } a ? new SetNode(a) : node;
        }
    }

    /// <summary>Sums and products of matrices (and scalar multiples) as one matrix of expressions, or null.</summary>
    private static Matrix? ReduceMatrix(Node node)
    {
        switch (node)
        {
            case Matrix m: return m;
            case Neg g: return ReduceMatrix(g.Inner) is { } inner ? Map(inner, x => new Neg(x)) : null;
            case Add a:
            {
                var parts = a.Terms.Select(ReduceMatrix).ToList();
                if (parts.Any(p => p is null)) return null;
                var first = parts[0]!;
                if (parts.Any(p => p!.Rows.Count != first.Rows.Count || p.Rows[0].Count != first.Rows[0].Count)) return null;
                return new Matrix(Enumerable.Range(0, first.Rows.Count).Select(i => (IReadOnlyList<Node>)Enumerable.Range(0, first.Rows[0].Count)
                    .Select(j => (Node)new Add(parts.Select(p => p!.Rows[i][j]).ToList())).ToList()).ToList());
            }
            case Mul mul:
            {
                Matrix? acc = null;
                var scalars = new List<Node>();
                foreach (var f in mul.Factors)
                {
                    if (f is not Matrix and not Add and not Neg) { scalars.Add(f); continue; }
                    var m = ReduceMatrix(f);
                    if (m is null) { scalars.Add(f); continue; }
                    if (acc is null) { acc = m; continue; }
                    if (acc.Rows[0].Count != m.Rows.Count) return null;
                    acc = new Matrix(Enumerable.Range(0, acc.Rows.Count).Select(i => (IReadOnlyList<Node>)Enumerable.Range(0, m.Rows[0].Count)
                        .Select(j => (Node)new Add(Enumerable.Range(0, m.Rows.Count).Select(k => (Node)new Mul([acc.Rows[i][k], m.Rows[k][j]])).ToList())).ToList()).ToList());
                }
                if (acc is null) return null;
                return scalars.Count == 0 ? acc : Map(acc, x => new Mul([.. scalars, x]));
            }
            default: return null;
        }
    }

    private static Matrix Map(Matrix m, Func<Node, Node> f) =>
        new(m.Rows.Select(r => (IReadOnlyList<Node>)r.Select(f).ToList()).ToList());

    /// <summary>`x`, `x_1`, `f(x)`, `|AB|`, `A:B`, `(p,q)`: a left side that names the answer instead of computing
    /// it (no number literals outside subscripts, no sums).</summary>
    private static bool IsAssignment(Rel r)
    {
        if (r.Ops[^1] != "=") return false;
        return NamesSomething(r.Parts[^2]);
    }

    private static bool NamesSomething(Node n) => n switch
    {
        Sym or Text => true,
        Const { Name: "e" } => true,
        Mul m => m.Factors.All(NamesSomething),
        Func f => f.Args.All(NamesSomething),
        Div d => NamesSomething(d.Left) && NamesSomething(d.Right),
        TupleNode t => t.Items.All(NamesSomething),
        _ => false,
    };

    private static List<Node> Alternatives(Node node)
    {
        if (!ContainsPlusMinus(node)) return [node];
        return Expand(node).Take(16).ToList();
    }

    private static bool ContainsPlusMinus(Node n) => Contains(n, x => x is PlusMinus);

    private static IEnumerable<Node> Expand(Node n) => n switch
    {
        PlusMinus pm => from l in Expand(pm.Left) from r in Expand(pm.Right) from s in new[] { 1, -1 }
            select (Node)(l is Num { Value.IsZero: true } ? (s == 1 ? r : new Neg(r)) : new Add([l, s == 1 ? r : new Neg(r)])),
        Add a => Product(a.Terms).Select(t => (Node)new Add(t)),
        Mul m => Product(m.Factors).Select(t => (Node)new Mul(t)),
        Div d => from l in Expand(d.Left) from r in Expand(d.Right) select (Node)new Div(l, r),
        Neg g => Expand(g.Inner).Select(x => (Node)new Neg(x)),
        Pow p => from b in Expand(p.Base) from e in Expand(p.Exponent) select (Node)new Pow(b, e),
        Func f => Product(f.Args).Select(a => (Node)new Func(f.Name, a)),
        _ => [n],
    };

    private static IEnumerable<IReadOnlyList<Node>> Product(IReadOnlyList<Node> items)
    {
        IEnumerable<List<Node>> acc = [[]];
        foreach (var item in items)
        {
            var options = Expand(item).Take(16).ToList();
            acc = acc.SelectMany(prefix => options.Select(o => new List<Node>(prefix) { o })).Take(16);
        }
        return acc;
    }

    private bool SetCompare(SetNode gold, Node pred) => pred switch
    {
        SetNode ps => Unordered(gold.Items, ps.Items),
        TupleNode pt => Ordered(gold.Items, pt.Items),
        _ => gold.Items.Count == 1 && Equal(gold.Items[0], pred),
    };

    private bool TupleCompare(TupleNode gold, Node pred) => pred switch
    {
        TupleNode pt => Ordered(gold.Items, pt.Items),
        SetNode ps => Ordered(gold.Items, ps.Items),
        Interval pi when gold.Items.Count == 2 => pi.LowOpen && pi.HighOpen && Equal(gold.Items[0], pi.Low) && Equal(gold.Items[1], pi.High),
        _ => false,
    };

    private bool IntervalCompare(Interval gold, Node pred) => pred switch
    {
        Interval pi => gold.LowOpen == pi.LowOpen && gold.HighOpen == pi.HighOpen && Equal(gold.Low, pi.Low) && Equal(gold.High, pi.High),
        TupleNode { Items.Count: 2 } pt => gold.LowOpen && gold.HighOpen && Equal(gold.Low, pt.Items[0]) && Equal(gold.High, pt.Items[1]),
        Union { Parts.Count: 1 } pu => Equal(gold, pu.Parts[0]),
        Rel pr => AsInterval(pr) is { } iv && IntervalCompare(gold, iv),
        _ => false,
    };

    private bool RelationCompare(Rel gold, Node pred)
    {
        if (pred is Interval or Union or TupleNode) return AsSet(gold) is { } set && Equal(set, pred);
        if (pred is not Rel pr) return false;
        var (gOps, gParts) = Oriented(gold);
        var (pOps, pParts) = Oriented(pr);
        if (gParts.Count == 2 && pParts.Count == 2)
            return gOps[0] == pOps[0] && ProportionalDifferences(gParts, pParts, gOps[0]);
        if (gOps.All(o => o == "=") && pOps.All(o => o == "="))
            return ProportionalDifferences([gParts[0], gParts[^1]], [pParts[0], pParts[^1]], "=");
        if (gParts.Count != pParts.Count || !gOps.SequenceEqual(pOps)) return false;
        for (var i = 0; i < gParts.Count; i++)
            if (!Equal(gParts[i], pParts[i])) return false;
        return true;
    }

    /// <summary>Rewrites `&gt;`/`&gt;=` chains as `&lt;`/`&lt;=` by reversing them.</summary>
    private static (IReadOnlyList<string> Ops, IReadOnlyList<Node> Parts) Oriented(Rel r)
    {
        if (!r.Ops.Any(o => o is ">" or ">=")) return (r.Ops, r.Parts);
        if (!r.Ops.All(o => o is ">" or ">=")) return (r.Ops, r.Parts);
        return (r.Ops.Reverse().Select(o => o == ">" ? "<" : "<=").ToList(), r.Parts.Reverse().ToList());
    }

    /// <summary>(l1 − r1) = c·(l2 − r2) for a constant c ≠ 0 (c &gt; 0 for inequalities), checked at seeded points.</summary>
    private bool ProportionalDifferences(IReadOnlyList<Node> g, IReadOnlyList<Node> p, string op)
    {
        Node dg = new Add([g[0], new Neg(g[1])]), dp = new Add([p[0], new Neg(p[1])]);
        Complex? ratio = null;
        for (var k = 0; k < Points; k++)
        {
            var a = new NumericEvaluator(options.Seed, k, budget).Evaluate(dg);
            var b = new NumericEvaluator(options.Seed, k, budget).Evaluate(dp);
            if (!Finite(a) || !Finite(b)) return false;
            if (b.Magnitude < 1e-12) { if (a.Magnitude < 1e-12) continue; return false; }
            var r = a / b;
            if (ratio is null) ratio = r;
            else if (!Close(ratio.Value, r, Tolerance)) return false;
        }
        if (ratio is null) return true;
        if (ratio.Value.Magnitude < 1e-12) return false;
        return op is "=" or "!=" || (System.Math.Abs(ratio.Value.Imaginary) < 1e-9 && ratio.Value.Real > 0);
    }

    /// <summary>A relation as a set: `a &lt; x &lt; b` → (a, b); `a ≤ |x| ≤ b` (0 ≤ a) → [−b, −a] ∪ [a, b].</summary>
    private Node? AsSet(Rel r)
    {
        var (ops, parts) = Oriented(r);
        if (parts.Count == 3 && parts[1] is Func { Name: "abs" } && ops.All(o => o is "<" or "<=")
            && new NumericEvaluator(options.Seed, 0, budget).Evaluate(parts[0]) is { Imaginary: 0, Real: > 0 })
        {
            bool lowOpen = ops[0] == "<", highOpen = ops[1] == "<";
            return new Union([new Interval(new Neg(parts[2]), new Neg(parts[0]), highOpen, lowOpen),
                new Interval(parts[0], parts[2], lowOpen, highOpen)]);
        }
        return AsInterval(r);
    }

    private static Interval? AsInterval(Rel r)
    {
        var (ops, parts) = Oriented(r);
        if (ops.Any(o => o is not ("<" or "<="))) return null;
        if (parts.Count == 3) return new Interval(parts[0], parts[2], ops[0] == "<", ops[1] == "<");
        if (parts.Count != 2) return null;
        if (NamesSomething(parts[0])) return new Interval(new Neg(new Const("inf")), parts[1], true, ops[0] == "<");
        if (NamesSomething(parts[1])) return new Interval(parts[0], new Const("inf"), ops[0] == "<", true);
        return null;
    }

    private bool MatrixCompare(Matrix g, Matrix p)
    {
        if (g.Rows.Count != p.Rows.Count || g.Rows[0].Count != p.Rows[0].Count) return false;
        for (var i = 0; i < g.Rows.Count; i++)
        for (var j = 0; j < g.Rows[i].Count; j++)
            if (!Equal(g.Rows[i][j], p.Rows[i][j])) return false;
        return true;
    }

    private bool Ordered(IReadOnlyList<Node> g, IReadOnlyList<Node> p)
    {
        if (g.Count != p.Count) return false;
        for (var i = 0; i < g.Count; i++)
            if (!Equal(g[i], p[i])) return false;
        return true;
    }

    /// <summary>Set equality: every gold item matches some prediction item and vice versa (duplicates collapse).</summary>
    private bool Unordered(IReadOnlyList<Node> g, IReadOnlyList<Node> p)
    {
        if (g.Count > MaxItems || p.Count > MaxItems) throw new TooLargeException("set too large");
        var matchedPred = new bool[p.Count];
        foreach (var gi in g)
        {
            var found = false;
            for (var j = 0; j < p.Count && !found; j++)
            {
                if (!Equal(gi, p[j])) continue;
                found = true;
                matchedPred[j] = true;
            }
            if (!found) return false;
        }
        for (var j = 0; j < p.Count; j++)
            if (!matchedPred[j] && !g.Any(gi => Equal(gi, p[j]))) return false;
        return true;
    }

    private static string TextKey(Node n)
    {
        var s = NodePrinter.Print(n);
        return new string(s.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
    }

    // ---- scalars ----

    private bool ScalarEqual(Node g, Node p)
    {
        // why: most answers are plain numbers; exact rational arithmetic on the tree skips the polynomial machinery.
        if (ExactConstant(g) is { } cg && ExactConstant(p) is { } cp) return cg == cp;
        var hasFloat = ContainsFloat(g) || ContainsFloat(p);
        var tooLarge = false;
        if (!hasFloat)
        {
            try
            {
                var conv = new ExactConverter(budget);
                var rg = conv.Convert(g);
                var rp = rg is null ? null : conv.Convert(p);
                if (rg is not null && rp is not null) return rg.EqualTo(rp, budget);
            }
            catch (TooLargeException) { tooLarge = true; }
        }
        var hasSymbols = ContainsSymbol(g) || ContainsSymbol(p);
        var points = hasSymbols ? Points : 1;
        var tol = hasFloat ? System.Math.Max(Tolerance, System.Math.Pow(10, -options.FloatRounding)) : Tolerance;
        for (var k = 0; k < points; k++)
        {
            var a = new NumericEvaluator(options.Seed, k, budget).Evaluate(g);
            var b = new NumericEvaluator(options.Seed, k, budget).Evaluate(p);
            if (double.IsNaN(a.Real) || double.IsNaN(b.Real) || double.IsNaN(a.Imaginary) || double.IsNaN(b.Imaginary))
            {
                if (tooLarge) throw new TooLargeException("value too large to compare");
                return false;
            }
            if (!Finite(a) || !Finite(b))
            {
                if (tooLarge) throw new TooLargeException("value too large to compare");
                if (!(double.IsInfinity(a.Real) && a.Real == b.Real)) return false;
                continue;
            }
            if (hasFloat && !hasSymbols) { if (!RoundedEqual(a, b)) return false; }
            else if (!Close(a, b, tol)) return false;
        }
        return true;
    }

    /// <summary>The exact value of a symbol-free rational expression without floats, or null.</summary>
    private static BigRational? ExactConstant(Node n)
    {
        switch (n)
        {
            case Num { IsFloat: false } x: return x.Value;
            case Neg g: return ExactConstant(g.Inner) is { } inner ? -inner : null;
            case Add a:
            {
                var acc = BigRational.Zero;
                foreach (var t in a.Terms) { if (ExactConstant(t) is not { } v) return null; acc += v; }
                return acc;
            }
            case Mul m:
            {
                var acc = BigRational.One;
                foreach (var f in m.Factors) { if (ExactConstant(f) is not { } v) return null; acc *= v; }
                return acc;
            }
            case Div d:
                return ExactConstant(d.Left) is { } l && ExactConstant(d.Right) is { IsZero: false } r ? l / r : null;
            case Pow { Exponent: Num { IsFloat: false, Value: { IsInteger: true } e } } pw when BigInteger.Abs(e.Num) <= 64:
                return ExactConstant(pw.Base) is { } b && !(b.IsZero && e.Sign < 0) ? b.Pow((int)e.Num) : null;
            default: return null;
        }
    }

    /// <summary>Math-Verify rounds both sides to float_rounding decimals when either is a float.</summary>
    private bool RoundedEqual(Complex a, Complex b)
    {
        var digits = System.Math.Clamp(options.FloatRounding, 0, 15);
        if (System.Math.Abs(a.Imaginary) > 1e-12 || System.Math.Abs(b.Imaginary) > 1e-12) return Close(a, b, Tolerance);
        var ra = System.Math.Round(a.Real, digits, MidpointRounding.AwayFromZero);
        var rb = System.Math.Round(b.Real, digits, MidpointRounding.AwayFromZero);
        return System.Math.Abs(ra - rb) <= 1e-12 * System.Math.Max(1, System.Math.Abs(ra));
    }

    private static bool Close(Complex a, Complex b, double tol) =>
        (a - b).Magnitude <= tol * System.Math.Max(1, System.Math.Max(a.Magnitude, b.Magnitude));

    private static bool Finite(Complex c) => double.IsFinite(c.Real) && double.IsFinite(c.Imaginary);

    private static bool ContainsFloat(Node n) => Contains(n, x => x is Num { IsFloat: true });

    private static bool ContainsSymbol(Node n) => Contains(n, x => x is Sym);

    /// <summary>Whether <paramref name="n"/> or a node below it (through sums, products, quotients, negations, powers
    /// and function arguments) matches.</summary>
    private static bool Contains(Node n, Func<Node, bool> match) => match(n) || n switch
    {
        Add a => a.Terms.Any(t => Contains(t, match)),
        Mul m => m.Factors.Any(f => Contains(f, match)),
        Div d => Contains(d.Left, match) || Contains(d.Right, match),
        Neg g => Contains(g.Inner, match),
        Pow p => Contains(p.Base, match) || Contains(p.Exponent, match),
        Func f => f.Args.Any(a => Contains(a, match)),
        _ => false,
    };
}
