namespace Ded.Lab;

/// <summary>
/// Where a solver may slip: every intermediate value passes through here, so a teacher that slips at one step carries
/// the wrong value into the next ones, as a person would.
/// </summary>
public sealed class Slip
{
    private readonly Random? _rng;
    private readonly double _probability;
    private readonly int _forcedAt;

    /// <summary>A solver that never slips.</summary>
    public static Slip None => new(null, 0);

    public Slip(Random? rng, double probability) : this(rng, probability, -1) { }

    /// <summary>A solver with a habit besides its chance slips: it forgets the carry (or the borrow) of a sum or
    /// difference with this probability, a systematic error a model pretrained on its traces learns as a rule.</summary>
    public Slip(Random rng, double probability, double forgetsCarry) : this(rng, probability, -1) => _forgetsCarry = forgetsCarry;

    private readonly double _forgetsCarry;

    private Slip(Random? rng, double probability, int forcedAt) => (_rng, _probability, _forcedAt) = (rng, probability, forcedAt);

    /// <summary>A solver that slips exactly once, at the value with this index (0 = the first value it computes).</summary>
    public static Slip At(Random rng, int index) => new(rng, 0, index);

    /// <summary>How many slips were made so far.</summary>
    public int Count { get; private set; }

    /// <summary>How many values passed through so far, slipped or not.</summary>
    public int Values { get; private set; }

    /// <summary>Whether this solver was told where to slip (<see cref="At"/>) rather than slipping by chance.</summary>
    public bool IsForced => _forcedAt >= 0;

    public long Number(long value)
    {
        if (!Happens()) return value;
        long delta = _rng!.Next(1, 3) * (_rng.Next(2) == 0 ? -1 : 1);
        return value + delta;
    }

    /// <summary>a + b (b may be negative: a difference), through the carry habit and then the chance slips.</summary>
    public long Sum(long a, long b) => Number(Carry(a, b));

    /// <summary>a + b through the carry habit only (no chance slip, not counted as a value): forgetting the carry of a
    /// sum whose ones overflow leaves it ten short; forgetting the borrow of a difference leaves it ten over. A solver
    /// without the habit draws nothing here, so its other slips fall where they did.</summary>
    public long Carry(long a, long b)
    {
        long exact = a + b;
        bool carries = a >= 0 && exact >= 0 && (b >= 0 ? a % 10 + b % 10 >= 10 : a % 10 < -b % 10);
        if (carries && _forgetsCarry > 0 && _rng!.NextDouble() < _forgetsCarry) exact += b >= 0 ? -10 : 10;
        return exact;
    }

    public string Text(string value)
    {
        if (value.Length < 2) { Values++; return value; }
        if (!Happens()) return value;
        int i = _rng!.Next(value.Length - 1);
        var chars = value.ToCharArray();
        (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);
        return new string(chars);
    }

    private bool Happens()
    {
        int index = Values++;
        bool happens = IsForced ? index == _forcedAt : _rng is not null && _rng.NextDouble() < _probability;
        if (happens) Count++;
        return happens;
    }
}
