using System.Text;

namespace Ded.Cli.Bench;

/// <summary>
/// Seeded math-like questions for the dedup bench: each is four sentences drawn from templates, names, objects and
/// numbers, so unrelated questions share few word 3-grams. Phrasing avoids the stock openings of MATH and AIME.
/// </summary>
internal sealed class SyntheticQuestions(int seed)
{
    private static readonly string[] Names = ["Ansel", "Brigid", "Corwin", "Dagny", "Eamon", "Fenna", "Gideon", "Halvard", "Isolde", "Jarrah", "Kesia", "Lorcan", "Maelis", "Niamh", "Oswin", "Perpetua", "Quillon", "Rosalind", "Sorley", "Thessaly"];
    private static readonly string[] Things = ["lanterns", "pebbles", "ribbons", "acorns", "tokens", "kettles", "marbles", "feathers", "bricks", "spindles", "lockets", "seashells", "candles", "thimbles", "buttons", "pinecones"];
    private static readonly string[] Places = ["orchard", "harbour", "workshop", "greenhouse", "market", "observatory", "library", "bakery", "quarry", "boathouse"];
    private static readonly string[] Shapes = ["hexagonal tile", "triangular garden", "circular pond", "rectangular field", "trapezoidal banner", "square courtyard"];

    private static readonly Func<Random, string>[] Sentences =
    [
        r => $"{Pick(r, Names)} carries {r.Next(2, 999)} {Pick(r, Things)} to the {Pick(r, Places)} every {Pick(r, ["morning", "evening", "weekend", "market day"])}.",
        r => $"At the {Pick(r, Places)}, {Pick(r, Names)} trades {r.Next(2, 99)} {Pick(r, Things)} for {r.Next(2, 99)} {Pick(r, Things)} at a fixed rate.",
        r => $"A {Pick(r, Shapes)} has one side of length {r.Next(2, 500)} and a perimeter of {r.Next(500, 5000)} units.",
        r => $"{Pick(r, Names)} writes the numbers {r.Next(1, 90)}, {r.Next(90, 900)} and {r.Next(900, 9000)} on a slate beside the {Pick(r, Places)}.",
        r => $"Each crate holds ${r.Next(3, 60)}x + {r.Next(1, 40)}$ {Pick(r, Things)}, where $x$ is the day of the week.",
        r => $"{Pick(r, Names)} and {Pick(r, Names)} share the {Pick(r, Things)} so that one gets {r.Next(2, 9)} times as many as the other.",
        r => $"The sequence starts with $a_1 = {r.Next(1, 50)}$ and each term adds {r.Next(2, 30)} {Pick(r, Things)} before doubling.",
        r => $"A bag beside the {Pick(r, Places)} holds {r.Next(2, 40)} red and {r.Next(2, 40)} blue {Pick(r, Things)}, drawn without replacement.",
    ];

    private static readonly Func<Random, string>[] Asks =
    [
        r => $"Determine the remainder when the total count of {Pick(r, Things)} is divided by {r.Next(7, 97)}.",
        r => "Express the chance that both drawn items share a colour as a fraction $\\frac{m}{n}$ and report $m+n$.",
        r => $"Work out how many {Pick(r, Things)} {Pick(r, Names)} holds after {r.Next(3, 30)} rounds.",
        r => "Give the area of the figure in lowest terms.",
        r => $"Report the largest value of $x$ below {r.Next(100, 10000)} for which the crates balance.",
    ];

    private readonly Random _random = new(seed);

    /// <summary>The next question.</summary>
    public string Next()
    {
        var text = new StringBuilder(320);
        for (var i = 0; i < 3; i++)
            text.Append(Pick(_random, Sentences)(_random)).Append(' ');
        return text.Append(Pick(_random, Asks)(_random)).ToString();
    }

    /// <summary>The same question with trivial edits (case, spacing, punctuation, LaTeX spacing): an exact duplicate after normalization.</summary>
    public string Restyle(string question) =>
        (_random.Next(2) == 0 ? question.ToUpperInvariant() : question.ToLowerInvariant())
            .Replace(" ", _random.Next(2) == 0 ? "  " : " \n").Replace(",", " ,").Replace("$x$", "$\\,x$");

    /// <summary>The same question with one number changed: a near duplicate (one word 3-gram window differs).</summary>
    public string ChangeOneNumber(string question)
    {
        var digits = Enumerable.Range(0, question.Length).Where(i => char.IsAsciiDigit(question[i])).ToList();
        if (digits.Count == 0) return question + " Show your work.";
        var at = digits[_random.Next(digits.Count)];
        var replacement = (char)('0' + (question[at] - '0' + 1 + _random.Next(8)) % 10);
        return string.Concat(question.AsSpan(0, at), [replacement], question.AsSpan(at + 1));
    }

    internal Random Random => _random;

    private static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];
}
