using System.Numerics;

namespace Ded.Verification.Math.Cas;

/// <summary>Converts an expression to a rational function over Q in its symbols, or null when it holds something
/// outside that field (roots, trig, logs, floats, infinity): those go to the numeric check instead. Symbols, π, e and
/// uninterpreted functions (sums, ratios) are treated as independent atoms, which is sound for equality.</summary>
internal sealed class ExactConverter(Budget budget)
{
    private readonly List<string> _atoms = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Atoms => _atoms;

    public RationalFunction? Convert(Node node)
    {
        budget.Tick();
        switch (node)
        {
            case Num { IsFloat: false } n: return RationalFunction.Of(Poly.Constant(n.Value));
            case Sym { Name: "i" }: return null; // the imaginary unit: i² = −1 is left to the numeric check
            case Sym s: return Atom(s.Name);
            case Const { Name: "pi" or "e" } c: return Atom("#" + c.Name);
            case Neg neg: return Convert(neg.Inner)?.Negate();
            case Add add:
            {
                RationalFunction? acc = null;
                foreach (var t in add.Terms)
                {
                    var r = Convert(t);
                    if (r is null) return null;
                    acc = acc is null ? r : acc.Plus(r, budget);
                }
                return acc;
            }
            case Mul mul:
            {
                RationalFunction? acc = null;
                foreach (var f in mul.Factors)
                {
                    var r = Convert(f);
                    if (r is null) return null;
                    acc = acc is null ? r : acc.Times(r, budget);
                }
                return acc;
            }
            case Div div:
            {
                var l = Convert(div.Left);
                var r = l is null ? null : Convert(div.Right);
                return r is null ? null : l!.DividedBy(r, budget);
            }
            case Pow pow: return ConvertPower(pow);
            case Func f: return ConvertFunction(f);
            default: return null;
        }
    }

    private RationalFunction? ConvertPower(Pow pow)
    {
        var e = Convert(pow.Exponent);
        if (e is null || !e.IsConstant(out var ev) || !ev.IsInteger) return null;
        if (BigInteger.Abs(ev.Num) > Budget.MaxExponent)
        {
            var b = Convert(pow.Base);
            // why: 1^n, 0^n and (-1)^n are cheap; any other base with a huge exponent is refused as too large.
            if (b is not null && b.IsConstant(out var bv) && (bv.IsZero || bv == BigRational.One || bv == -BigRational.One))
                return bv.IsZero ? (ev.Sign > 0 ? b : null) : RationalFunction.Of(Poly.Constant(bv == BigRational.One || ev.Num.IsEven ? BigRational.One : -BigRational.One));
            throw new TooLargeException("exponent larger than " + Budget.MaxExponent);
        }
        var bas = Convert(pow.Base);
        if (bas is null) return null;
        if (bas.IsConstant(out var c)) return c.IsZero && ev.Sign < 0 ? null : RationalFunction.Of(Poly.Constant(c.Pow((int)ev.Num)));
        return bas.Power((int)ev.Num, budget);
    }

    private RationalFunction? ConvertFunction(Func f)
    {
        switch (f.Name)
        {
            case "fact":
            {
                var a = Convert(f.Args[0]);
                if (a is null || !a.IsConstant(out var n) || !n.IsInteger || n.Sign < 0) return null;
                if (n.Num > Budget.MaxFactorial) throw new TooLargeException("factorial larger than " + Budget.MaxFactorial + "!");
                var r = BigInteger.One;
                for (var i = 2; i <= (int)n.Num; i++) { r *= i; budget.Tick(); }
                return RationalFunction.Of(Poly.Constant(new BigRational(r, 1)));
            }
            case "binom":
            {
                var a = Convert(f.Args[0]);
                var b = a is null ? null : Convert(f.Args[1]);
                if (b is null || !a!.IsConstant(out var n) || !b.IsConstant(out var k) || !n.IsInteger || !k.IsInteger) return null;
                if (n.Num > 100_000) throw new TooLargeException("binomial too large");
                if (k.Sign < 0 || k.Num > n.Num) return RationalFunction.Of(Poly.Constant(BigRational.Zero));
                BigInteger r = 1;
                var kk = (int)BigInteger.Min(k.Num, n.Num - k.Num);
                for (var i = 0; i < kk; i++) { r = r * (n.Num - i) / (i + 1); budget.Tick(); Budget.CheckBits(r); }
                return RationalFunction.Of(Poly.Constant(new BigRational(r, 1)));
            }
            case "sqrt":
            {
                var a = Convert(f.Args[0]);
                if (a is null || !a.IsConstant(out var v) || v.Sign < 0) return null;
                var (rn, rd) = (IntSqrt(v.Num), IntSqrt(v.Den));
                return rn * rn == v.Num && rd * rd == v.Den ? RationalFunction.Of(Poly.Constant(new BigRational(rn, rd))) : null;
            }
            case "sum" or "prod" or "ratio":
            {
                var keys = new List<string>();
                foreach (var arg in f.Args)
                {
                    if (arg is Text t) { keys.Add(t.Value); continue; }
                    var r = Convert(arg);
                    if (r is null) return null;
                    keys.Add(r.ToKey(_atoms, budget));
                }
                return Atom(f.Name + "(" + string.Join(";", keys) + ")");
            }
            default: return null;
        }
    }

    private static BigInteger IntSqrt(BigInteger n)
    {
        if (n < 2) return n;
        // Newton from above: converges for any size (a double start overflows past 1e308).
        var x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            var y = (x + n / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }

    private RationalFunction Atom(string key)
    {
        if (!_index.TryGetValue(key, out var i))
        {
            i = _atoms.Count;
            _atoms.Add(key);
            _index[key] = i;
        }
        return RationalFunction.Of(Poly.Atom(i));
    }
}
