using System.Globalization;
using System.Numerics;

namespace Ded.Verification.Math.Cas;

/// <summary>Exact rational on BigInteger, always reduced with a positive denominator. Written by hand: .NET has no
/// maintained arbitrary-precision rational type.</summary>
internal readonly record struct BigRational
{
    public BigInteger Num { get; }
    public BigInteger Den { get; }

    public BigRational(BigInteger num, BigInteger den)
    {
        if (den.IsZero) throw new DivideByZeroException();
        if (den.Sign < 0) { num = -num; den = -den; }
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsOne && !g.IsZero) { num /= g; den /= g; }
        Budget.CheckBits(num);
        Budget.CheckBits(den);
        Num = num;
        Den = den.IsZero ? BigInteger.One : den;
    }

    public static BigRational Zero => new(BigInteger.Zero, BigInteger.One);
    public static BigRational One => new(BigInteger.One, BigInteger.One);
    public bool IsZero => Num.IsZero;
    public bool IsInteger => Den.IsOne;
    public int Sign => Num.Sign;

    public static implicit operator BigRational(long v) => new(v, BigInteger.One);
    public static BigRational operator +(BigRational a, BigRational b) => new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);
    public static BigRational operator -(BigRational a, BigRational b) => new(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den);
    public static BigRational operator -(BigRational a) => new(-a.Num, a.Den);
    public static BigRational operator *(BigRational a, BigRational b) => new(a.Num * b.Num, a.Den * b.Den);
    public static BigRational operator /(BigRational a, BigRational b) => new(a.Num * b.Den, a.Den * b.Num);

    /// <summary>Integer power; throws <see cref="TooLargeException"/> when the result would pass the bit limit.</summary>
    public BigRational Pow(int e)
    {
        if (e == 0) return One;
        if (e < 0) return One / Pow(-e);
        var bits = System.Math.Max(Num.GetBitLength(), Den.GetBitLength());
        if (bits * (long)e > Budget.MaxBits) throw new TooLargeException("power too large");
        return new(BigInteger.Pow(Num, e), BigInteger.Pow(Den, e));
    }

    public double ToDouble()
    {
        var d = (double)Num / (double)Den;
        if (!double.IsNaN(d) && !double.IsInfinity(d)) return d;
        // why: both parts may overflow double while the quotient does not.
        var shift = (int)System.Math.Max(0, System.Math.Max(Num.GetBitLength(), Den.GetBitLength()) - 1000);
        return (double)(Num >> shift) / (double)(Den >> shift);
    }

    /// <summary>Parses "123", "-1.25", "1e-3" exactly.</summary>
    public static BigRational Parse(string text)
    {
        var s = text;
        var exp = 0;
        var ei = s.IndexOfAny(['e', 'E']);
        if (ei >= 0)
        {
            exp = int.Parse(s[(ei + 1)..], CultureInfo.InvariantCulture);
            if (System.Math.Abs(exp) > 1000) throw new TooLargeException("exponent too large");
            s = s[..ei];
        }
        var dot = s.IndexOf('.');
        var digits = dot < 0 ? s : s.Remove(dot, 1);
        var scale = dot < 0 ? 0 : s.Length - dot - 1;
        if (digits.Length > 2000) throw new TooLargeException("number literal too long");
        var n = digits.Length == 0 || digits == "-" ? BigInteger.Zero : BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        var r = new BigRational(n, BigInteger.Pow(10, scale));
        return exp == 0 ? r : r * ((BigRational)10).Pow(exp);
    }

    public override string ToString() => Den.IsOne ? Num.ToString(CultureInfo.InvariantCulture)
        : Num.ToString(CultureInfo.InvariantCulture) + "/" + Den.ToString(CultureInfo.InvariantCulture);
}
