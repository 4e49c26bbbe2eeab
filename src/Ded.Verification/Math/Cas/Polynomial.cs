using System.Text;

namespace Ded.Verification.Math.Cas;

/// <summary>A monomial: sorted (atom, exponent) pairs flattened as [a0, e0, a1, e1, …].</summary>
internal sealed class Monomial : IEquatable<Monomial>
{
    public static readonly Monomial One = new([]);
    private readonly int _hash;
    public int[] Pairs { get; }

    public Monomial(int[] pairs)
    {
        Pairs = pairs;
        var h = 17;
        foreach (var p in pairs) h = h * 31 + p;
        _hash = h;
    }

    public static Monomial Atom(int atom) => new([atom, 1]);

    public int Degree { get { var d = 0; for (var i = 1; i < Pairs.Length; i += 2) d += Pairs[i]; return d; } }

    public Monomial Times(Monomial other)
    {
        var result = new List<int>(Pairs.Length + other.Pairs.Length);
        int i = 0, j = 0;
        while (i < Pairs.Length || j < other.Pairs.Length)
        {
            if (j >= other.Pairs.Length || (i < Pairs.Length && Pairs[i] < other.Pairs[j])) { result.Add(Pairs[i]); result.Add(Pairs[i + 1]); i += 2; }
            else if (i >= Pairs.Length || other.Pairs[j] < Pairs[i]) { result.Add(other.Pairs[j]); result.Add(other.Pairs[j + 1]); j += 2; }
            else { result.Add(Pairs[i]); result.Add(Pairs[i + 1] + other.Pairs[j + 1]); i += 2; j += 2; }
        }
        var m = new Monomial(result.ToArray());
        if (m.Degree > Budget.MaxDegree) throw new TooLargeException("polynomial degree too large");
        return m;
    }

    public bool Equals(Monomial? other) => other is not null && Pairs.AsSpan().SequenceEqual(other.Pairs);
    public override bool Equals(object? obj) => Equals(obj as Monomial);
    public override int GetHashCode() => _hash;

    public string ToString(IReadOnlyList<string> atoms)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Pairs.Length; i += 2)
        {
            if (sb.Length > 0) sb.Append('*');
            sb.Append(atoms[Pairs[i]]);
            if (Pairs[i + 1] != 1) sb.Append('^').Append(Pairs[i + 1]);
        }
        return sb.ToString();
    }
}

/// <summary>Multivariate polynomial over Q in canonical (sparse, zero-free) form: two polynomials are equal as
/// expressions exactly when their term maps are equal, so equality is a sound and complete decision.</summary>
internal sealed class Poly
{
    public Dictionary<Monomial, BigRational> Terms { get; }

    public Poly(Dictionary<Monomial, BigRational> terms) => Terms = terms;

    public static Poly Constant(BigRational c) => c.IsZero ? new([]) : new(new() { [Monomial.One] = c });
    public static Poly Atom(int atom) => new(new() { [Monomial.Atom(atom)] = BigRational.One });

    public bool IsZero => Terms.Count == 0;
    public bool IsConstant => Terms.Count == 0 || (Terms.Count == 1 && Terms.ContainsKey(Monomial.One));
    public BigRational ConstantValue => Terms.TryGetValue(Monomial.One, out var c) ? c : BigRational.Zero;

    public Poly Plus(Poly other, Budget budget)
    {
        var result = new Dictionary<Monomial, BigRational>(Terms);
        foreach (var (m, c) in other.Terms)
        {
            budget.Tick();
            var sum = result.TryGetValue(m, out var old) ? old + c : c;
            if (sum.IsZero) result.Remove(m); else result[m] = sum;
        }
        return Checked(result);
    }

    public Poly Negate() => new(Terms.ToDictionary(kv => kv.Key, kv => -kv.Value));

    public Poly Times(Poly other, Budget budget)
    {
        if ((long)Terms.Count * other.Terms.Count > Budget.MaxTerms * 16L) throw new TooLargeException("polynomial too large");
        var result = new Dictionary<Monomial, BigRational>();
        foreach (var (m1, c1) in Terms)
        foreach (var (m2, c2) in other.Terms)
        {
            budget.Tick();
            var m = m1.Times(m2);
            var sum = result.TryGetValue(m, out var old) ? old + c1 * c2 : c1 * c2;
            if (sum.IsZero) result.Remove(m); else result[m] = sum;
        }
        return Checked(result);
    }

    public Poly Power(int e, Budget budget)
    {
        var result = Constant(BigRational.One);
        var b = this;
        while (e > 0)
        {
            if ((e & 1) == 1) result = result.Times(b, budget);
            e >>= 1;
            if (e > 0) b = b.Times(b, budget);
        }
        return result;
    }

    private static Poly Checked(Dictionary<Monomial, BigRational> terms) =>
        terms.Count > Budget.MaxTerms ? throw new TooLargeException("polynomial has too many terms") : new Poly(terms);

    /// <summary>Canonical text: terms sorted by their printed monomial.</summary>
    public string ToString(IReadOnlyList<string> atoms)
    {
        if (IsZero) return "0";
        var parts = Terms.Select(kv => (Mono: kv.Key.ToString(atoms), kv.Value)).OrderBy(t => t.Mono, StringComparer.Ordinal);
        return string.Join(" + ", parts.Select(t => t.Mono.Length == 0 ? t.Value.ToString() : t.Value + "*" + t.Mono));
    }
}

/// <summary>Rational function num/den. Equality of n1/d1 and n2/d2 is decided exactly by n1·d2 − n2·d1 = 0.</summary>
internal sealed record RationalFunction(Poly Num, Poly Den)
{
    public static RationalFunction Of(Poly p) => new(p, Poly.Constant(BigRational.One));

    public RationalFunction Plus(RationalFunction o, Budget b) => Den.IsConstant && o.Den.IsConstant && Den.ConstantValue == o.Den.ConstantValue
        ? new(Num.Plus(o.Num, b), Den)
        : new(Num.Times(o.Den, b).Plus(o.Num.Times(Den, b), b), Den.Times(o.Den, b));
    public RationalFunction Negate() => new(Num.Negate(), Den);
    public RationalFunction Times(RationalFunction o, Budget b) => new(Num.Times(o.Num, b), Den.Times(o.Den, b));
    public RationalFunction? DividedBy(RationalFunction o, Budget b) => o.Num.IsZero ? null : new(Num.Times(o.Den, b), Den.Times(o.Num, b));
    public RationalFunction? Power(int e, Budget b)
    {
        if (e >= 0) return new(Num.Power(e, b), Den.Power(e, b));
        return Num.IsZero ? null : new(Den.Power(-e, b), Num.Power(-e, b));
    }

    public bool IsConstant(out BigRational value)
    {
        value = BigRational.Zero;
        if (!Num.IsConstant || !Den.IsConstant) return false;
        value = Num.ConstantValue / Den.ConstantValue;
        return true;
    }

    public bool EqualTo(RationalFunction o, Budget b) => Num.Times(o.Den, b).Plus(o.Num.Times(Den, b).Negate(), b).IsZero;

    /// <summary>Canonical text when the denominator is constant (used as a key for uninterpreted functions).</summary>
    public string ToKey(IReadOnlyList<string> atoms, Budget budget)
    {
        if (Den.IsConstant)
            return Num.Times(Poly.Constant(BigRational.One / Den.ConstantValue), budget).ToString(atoms);
        return "(" + Num.ToString(atoms) + ")/(" + Den.ToString(atoms) + ")";
    }
}
