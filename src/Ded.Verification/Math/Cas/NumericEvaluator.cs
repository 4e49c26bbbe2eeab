using System.Numerics;

namespace Ded.Verification.Math.Cas;

/// <summary>Evaluates an expression in complex doubles at one seeded point: each symbol gets a pseudo-random value in
/// [0.5, 2.5) (positive reals, so √(x²)=x as graders expect), and each uninterpreted function a pseudo-random value of
/// its evaluated arguments. Two expressions equal at several such points are equal with high probability
/// (Schwartz–Zippel for the rational part); this is the fallback where no exact decision applies.</summary>
internal sealed class NumericEvaluator(int seed, int point, Budget budget)
{
    public Complex Evaluate(Node node)
    {
        budget.Tick();
        return node switch
        {
            Num n => n.Value.ToDouble(),
            Sym { Name: "i" } => Complex.ImaginaryOne,
            Sym s => SymbolValue(s.Name),
            Const c => c.Name switch { "pi" => System.Math.PI, "e" => System.Math.E, _ => double.PositiveInfinity },
            Neg g => -Evaluate(g.Inner),
            Add a => a.Terms.Aggregate(Complex.Zero, (acc, t) => acc + Evaluate(t)),
            Mul m => m.Factors.Aggregate(Complex.One, (acc, f) => acc * Evaluate(f)),
            Div d => Divide(Evaluate(d.Left), Evaluate(d.Right)),
            Pow p => Power(Evaluate(p.Base), Evaluate(p.Exponent)),
            Func f => Function(f),
            _ => double.NaN,
        };
    }

    private static Complex Divide(Complex a, Complex b) =>
        b == Complex.Zero ? (a == Complex.Zero ? double.NaN : double.PositiveInfinity) : a / b;

    private static Complex Power(Complex b, Complex e)
    {
        if (e.Imaginary == 0 && b.Imaginary == 0)
        {
            var (x, y) = (b.Real, e.Real);
            if (x >= 0 || y == System.Math.Floor(y)) return System.Math.Pow(x, y);
            // why: a real odd root of a negative number, e.g. (-8)^(1/3) = -2, as the answers mean it.
            var inv = 1 / y;
            if (System.Math.Abs(inv - System.Math.Round(inv)) < 1e-12 && ((long)System.Math.Round(inv) & 1) == 1)
                return -System.Math.Pow(-x, y);
        }
        if (b == Complex.Zero) return e.Real > 0 ? Complex.Zero : double.PositiveInfinity;
        return Complex.Pow(b, e);
    }

    private Complex Function(Func f)
    {
        var a = f.Args.Count > 0 && f.Args[0] is not Text ? Evaluate(f.Args[0]) : Complex.Zero;
        switch (f.Name)
        {
            case "sqrt": return a.Imaginary == 0 && a.Real >= 0 ? System.Math.Sqrt(a.Real) : Complex.Sqrt(a);
            case "root": return Power(a, Divide(1, Evaluate(f.Args[1])));
            case "sin": return Complex.Sin(a);
            case "cos": return Complex.Cos(a);
            case "tan": return Complex.Tan(a);
            case "sec": return Divide(1, Complex.Cos(a));
            case "csc": return Divide(1, Complex.Sin(a));
            case "cot": return Divide(Complex.Cos(a), Complex.Sin(a));
            case "arcsin": return Complex.Asin(a);
            case "arccos": return Complex.Acos(a);
            case "arctan": return Complex.Atan(a);
            case "sinh": return Complex.Sinh(a);
            case "cosh": return Complex.Cosh(a);
            case "tanh": return Complex.Tanh(a);
            case "ln" or "log": return Complex.Log(a);
            case "log10": return Complex.Log10(a);
            case "logb": return Divide(Complex.Log(a), Complex.Log(Evaluate(f.Args[1])));
            case "exp": return Complex.Exp(a);
            case "abs": return Complex.Abs(a);
            case "floor": return System.Math.Floor(a.Real);
            case "ceil": return System.Math.Ceiling(a.Real);
            case "fact": return Factorial(a.Real);
            case "binom": return Binomial(a.Real, Evaluate(f.Args[1]).Real);
            case "det" when f.Args[0] is Matrix m: return Determinant(m);
            default: return Uninterpreted(f);
        }
    }

    private static Complex Factorial(double n)
    {
        if (n < 0 || n != System.Math.Floor(n)) return double.NaN;
        if (n > 170) return double.PositiveInfinity;
        var r = 1.0;
        for (var i = 2; i <= n; i++) r *= i;
        return r;
    }

    private static Complex Binomial(double n, double k)
    {
        if (k < 0 || k != System.Math.Floor(k)) return double.NaN;
        var r = 1.0;
        for (var i = 0; i < k && i < 10_000; i++) r = r * (n - i) / (i + 1);
        return r;
    }

    private Complex Determinant(Matrix m)
    {
        var n = m.Rows.Count;
        if (n != m.Rows[0].Count || n > 6) return double.NaN;
        var a = new Complex[n, n];
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) a[i, j] = Evaluate(m.Rows[i][j]);
        Complex det = 1;
        for (var c = 0; c < n; c++)
        {
            var p = c;
            while (p < n && a[p, c] == Complex.Zero) p++;
            if (p == n) return 0;
            if (p != c) { det = -det; for (var j = 0; j < n; j++) (a[p, j], a[c, j]) = (a[c, j], a[p, j]); }
            det *= a[c, c];
            for (var r = c + 1; r < n; r++)
            {
                var k = a[r, c] / a[c, c];
                for (var j = c; j < n; j++) a[r, j] -= k * a[c, j];
            }
        }
        return det;
    }

    private Complex Uninterpreted(Func f)
    {
        var h = Hash(f.Name);
        foreach (var arg in f.Args)
        {
            if (arg is Text t) { h = Mix(h, Hash(t.Value)); continue; }
            var v = Evaluate(arg);
            h = Mix(h, (ulong)System.Math.Round(v.Real * 1e6) ^ ((ulong)System.Math.Round(v.Imaginary * 1e6) << 1));
        }
        return ToUnit(h);
    }

    private Complex SymbolValue(string name) => ToUnit(Hash(name));

    private double ToUnit(ulong h)
    {
        h = Mix(Mix(h, (ulong)seed), (ulong)point);
        return 0.5 + 2.0 * (h >> 11) / (double)(1UL << 53);
    }

    // FNV-1a: string.GetHashCode is randomized per process, and verdicts must be reproducible.
    private static ulong Hash(string s)
    {
        var h = 14695981039346656037UL;
        foreach (var ch in s) { h ^= ch; h *= 1099511628211UL; }
        return h;
    }

    private static ulong Mix(ulong h, ulong v)
    {
        h ^= v + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2);
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL; h ^= h >> 33;
        return h;
    }
}
