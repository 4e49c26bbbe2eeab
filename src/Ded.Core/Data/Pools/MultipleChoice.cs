namespace Ded.Data.Pools;

/// <summary>GPQA-style rows: the correct and incorrect options shuffled into A, B, C, … with a seed per row.</summary>
internal static class MultipleChoice
{
    public static PoolRow Apply(PoolRow row, PoolRecord record, PoolMapping mapping)
    {
        var options = new List<string> { Clean(PoolRowMapper.RequireString(record, mapping.CorrectField)) };
        foreach (var field in mapping.IncorrectFields)
            options.Add(Clean(PoolRowMapper.RequireString(record, field)));
        var order = Shuffle(options.Count, mapping.ShuffleSeed, row.Id);
        var choices = order.Select(i => options[i]).ToList();
        var letter = (char)('A' + Array.IndexOf(order, 0));
        var lines = choices.Select((c, i) => $"{(char)('A' + i)}) {c}");
        return row with
        {
            Question = row.Question.Trim() + "\n\n" + string.Join("\n", lines),
            Answer = letter.ToString(),
            Choices = choices,
        };
    }

    // Fisher–Yates with a Random seeded from (seed, row id): the same seed gives the same letters on every machine.
    internal static int[] Shuffle(int count, int seed, string id)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var random = new Random(seed ^ StableHash(id));
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    // string.GetHashCode is randomized per process; this one is not.
    private static int StableHash(string text)
    {
        var h = 17;
        foreach (var c in text) h = unchecked(h * 31 + c);
        return h;
    }

    private static string Clean(string option) => option.Trim();
}
