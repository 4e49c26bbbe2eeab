namespace Ded.Lab;

/// <summary>
/// Where a solver may slip: every intermediate value passes through here, so a teacher that slips at one step carries
/// the wrong value into the next ones, as a person would.
/// </summary>
public sealed class Slip
{
    private readonly Random? _rng;
    private readonly double _probability;

    /// <summary>A solver that never slips.</summary>
    public static Slip None { get; } = new(null, 0);

    public Slip(Random? rng, double probability) => (_rng, _probability) = (rng, probability);

    /// <summary>How many slips were made so far.</summary>
    public int Count { get; private set; }

    public long Number(long value)
    {
        if (!Happens()) return value;
        long delta = _rng!.Next(1, 3) * (_rng.Next(2) == 0 ? -1 : 1);
        return value + delta;
    }

    public string Text(string value)
    {
        if (value.Length < 2 || !Happens()) return value;
        int i = _rng!.Next(value.Length - 1);
        var chars = value.ToCharArray();
        (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);
        return new string(chars);
    }

    private bool Happens()
    {
        if (_rng is null || _rng.NextDouble() >= _probability) return false;
        Count++;
        return true;
    }
}
