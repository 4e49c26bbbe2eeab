using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Ded.Lab.Families;

/// <summary>Out-of-domain check: reverse a word. Difficulty = word length minus two.</summary>
internal sealed partial class ReverseFamily : ILabFamily
{
    public string Name => "reverse";
    public LabDomain Domain => LabDomain.General;

    public string Generate(int difficulty, Random rng) => $"Reverse the word: {Letters(rng, Math.Clamp(difficulty + 2, 3, 12), "abcdefghijklmnopqrstuvwxyz")}";

    public LabSolution? Solve(string question, Slip slip, LabGranularity granularity)
    {
        var m = Shape().Match(question);
        if (!m.Success) return null;
        string word = m.Groups["w"].Value;
        var reversed = word.ToCharArray();
        Array.Reverse(reversed);
        string answer = slip.Text(new string(reversed));
        return new LabSolution([new($"letters: {string.Join(' ', word.ToCharArray())}", word), new($"backwards: {string.Join(' ', answer.ToCharArray())}", answer)], answer);
    }

    internal static string Letters(Random rng, int length, string alphabet)
    {
        var sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) sb.Append(alphabet[rng.Next(alphabet.Length)]);
        return sb.ToString();
    }

    [GeneratedRegex(@"^Reverse the word: (?<w>[a-z]+)$")]
    private static partial Regex Shape();
}

/// <summary>Out-of-domain check: sort the digits of a number ascending. Difficulty = digit count minus two.</summary>
internal sealed partial class SortDigitsFamily : ILabFamily
{
    public string Name => "sortdigits";
    public LabDomain Domain => LabDomain.General;

    public string Generate(int difficulty, Random rng) => $"Sort the digits of {ReverseFamily.Letters(rng, Math.Clamp(difficulty + 2, 3, 12), "0123456789")} ascending.";

    public LabSolution? Solve(string question, Slip slip, LabGranularity granularity)
    {
        var m = Shape().Match(question);
        if (!m.Success) return null;
        string digits = m.Groups["d"].Value;
        var sorted = digits.ToCharArray();
        Array.Sort(sorted);
        string answer = slip.Text(new string(sorted));
        return new LabSolution([new($"digits: {string.Join(' ', digits.ToCharArray())}", digits), new($"sorted: {string.Join(' ', answer.ToCharArray())}", answer)], answer);
    }

    [GeneratedRegex(@"^Sort the digits of (?<d>\d+) ascending\.$")]
    private static partial Regex Shape();
}

/// <summary>Out-of-domain check: count a letter in a word. Difficulty = word length (4 + 2 per level).</summary>
internal sealed partial class CountLetterFamily : ILabFamily
{
    private const string Alphabet = "abcdr";

    public string Name => "countletter";
    public LabDomain Domain => LabDomain.General;

    public string Generate(int difficulty, Random rng) =>
        $"How many '{Alphabet[rng.Next(Alphabet.Length)]}' in '{ReverseFamily.Letters(rng, Math.Clamp(4 + 2 * difficulty, 4, 16), Alphabet)}'?";

    public LabSolution? Solve(string question, Slip slip, LabGranularity granularity)
    {
        var m = Shape().Match(question);
        if (!m.Success) return null;
        char letter = m.Groups["c"].Value[0];
        string word = m.Groups["w"].Value;
        var positions = new List<string>();
        for (int i = 0; i < word.Length; i++)
            if (word[i] == letter) positions.Add((i + 1).ToString(CultureInfo.InvariantCulture));
        long count = slip.Number(positions.Count);
        string at = positions.Count == 0 ? "none" : string.Join(", ", positions);
        return new LabSolution([new($"positions of {letter}: {at}", at), new($"count = {count}", $"{count}")], count.ToString(CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^How many '(?<c>[a-z])' in '(?<w>[a-z]+)'\?$")]
    private static partial Regex Shape();
}
