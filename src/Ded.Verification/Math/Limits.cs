using System.Diagnostics;

namespace Ded.Verification.Math;

/// <summary>Thrown inside a check when a size limit is hit; becomes <see cref="MathVerifyStatus.TooLarge"/>.</summary>
internal sealed class TooLargeException(string what) : Exception(what);

/// <summary>Thrown inside a check when its deadline passes; becomes <see cref="MathVerifyStatus.Timeout"/>.</summary>
internal sealed class BudgetExceededException() : Exception("time budget exceeded");

/// <summary>Hard limits and the cooperative deadline of one check. Code polls <see cref="Tick"/> in loops
/// (no threads, no signals: Math-Verify's signal.alarm breaks under threads).</summary>
internal sealed class Budget
{
    public const int MaxInputChars = 1_000_000;   // whole model output
    public const int MaxAnswerChars = 4_000;      // one extracted answer
    public const int MaxDepth = 64;               // AST nesting
    public const int MaxExponent = 1_000;         // exact integer powers
    public const int MaxFactorial = 500;
    public const long MaxBits = 8_192;            // bigint bit length anywhere
    public const int MaxTerms = 4_000;            // polynomial terms
    public const int MaxDegree = 200;

    private readonly long _deadline;
    private readonly CancellationToken _ct;
    private int _ticks;

    public Budget(TimeSpan timeout, CancellationToken ct)
    {
        _deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _ct = ct;
    }

    /// <summary>Cheap poll; reads the clock every 64 calls.</summary>
    public void Tick()
    {
        if ((++_ticks & 63) != 0) return;
        _ct.ThrowIfCancellationRequested();
        if (Stopwatch.GetTimestamp() > _deadline) throw new BudgetExceededException();
    }

    public static void CheckBits(System.Numerics.BigInteger value)
    {
        if (value.GetBitLength() > MaxBits) throw new TooLargeException("number larger than " + MaxBits + " bits");
    }
}
