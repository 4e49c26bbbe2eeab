using Ded.Data;
using Ded.Runs;
using Ded.Selection;
using Xunit;

namespace Ded.Tests.Spine;

public class SelectionTests
{
    [Fact]
    public void FarthestPPicksTheSpreadOutOnes()
    {
        // Two near-duplicate clusters plus one outlier: the first pair is the farthest apart ("aaaa…" vs "zzzz…"),
        // the third pick is the outlier "mmmm" (farthest from both), never a near-duplicate. The pick itself is
        // FarthestPoint's (tested in Selection/FarthestPointTests); here, the stage's ranks and reasons.
        var pool = new[] { "aaaaaaaa", "aaaaaaab", "zzzzzzzz", "zzzzzzzy", "mmmm" }.Select((raw, i) => Spine.T($"t{i}", raw)).ToList();
        var d = DiversityStage.Decide("q1", pool, new DiversityOptions { P = 3 }, tokenizer: null);
        var picks = d.Select((x, i) => (x, i)).Where(p => p.x.IsSelected).OrderBy(p => p.x.Rank).ToList();
        Assert.Equal([0, 2, 4], picks.Select(p => p.i));
        Assert.Equal([null, 8, 8], picks.Select(p => p.x.MinDistance));
        Assert.Equal("farthest-P: min distance 8 to chosen", picks[2].x.Reason);
    }

    [Theory]
    [InlineData(1, "farthest-P: P = 1, the medoid (total distance 2)")] // "abc": 1 + 1 to the others
    [InlineData(5, "farthest-P: all 3 kept (n <= P = 5)")]
    public void EdgeCaseReasons(int p, string reason)
    {
        var pool = new[] { "abcd", "abc", "xbc" }.Select((raw, i) => Spine.T($"t{i}", raw)).ToList();
        var d = DiversityStage.Decide("q1", pool, new DiversityOptions { P = p }, tokenizer: null);
        Assert.Equal(reason, d[1].Reason);
        Assert.Null(d[1].MinDistance);
    }

    [Fact]
    public void ControlsAreDeterministic()
    {
        string[] texts = ["a", "bbb", "cc", "dddd", "ee"];
        Assert.Equal([3, 1], SelectionControls.ByLength(texts, 2, longest: true));
        Assert.Equal([0, 2], SelectionControls.ByLength(texts, 2, longest: false));
        Assert.Equal(SelectionControls.Random(5, 3, seed: 9), SelectionControls.Random(5, 3, seed: 9));
        Assert.Equal(3, SelectionControls.Random(5, 3, seed: 9).Distinct().Count());
    }

    [Fact]
    public void DecisionsRecordRankDistanceAndReasonForEveryCandidate()
    {
        var pool = new[] { "aaaaaaaa", "aaaaaaab", "zzzzzzzz", "mmmm" }.Select((raw, i) => Spine.T($"t{i}", raw)).ToList();
        var d = DiversityStage.Decide("q1", pool, new DiversityOptions { P = 2 }, tokenizer: null);
        Assert.Equal([true, false, true, false], d.Select(x => x.IsSelected));
        Assert.Equal([1, null, 2, null], d.Select(x => x.Rank));
        Assert.Equal("farthest-P: most distant pair (distance 8)", d[0].Reason);
        Assert.Equal("farthest-P: not chosen; min distance 1 to chosen, no more than the last pick's 8", d[1].Reason);
        Assert.Equal(1, d[1].MinDistance);
    }

    private sealed class FakeStudent(Dictionary<string, double> rates) : IPassRateEstimator
    {
        public List<(string, int)> Asked { get; } = [];
        public ValueTask<PassRate> EstimatePassRateAsync(Question question, int k, CancellationToken cancellationToken)
        {
            Asked.Add((question.Id, k));
            return ValueTask.FromResult(new PassRate(rates[question.Id]));
        }
    }

    [Fact]
    public async Task CompressionDropsQuestionsTheStudentSolvesAndDiversityRespectsIt()
    {
        using var dir = new TempDir();
        using var store = RunStore.Open(dir.Path);
        store.IngestQuestions([Spine.Q("easy"), Spine.Q("hard"), Spine.Q("unsolved")]);
        foreach (var (q, i) in new[] { ("easy", 0), ("hard", 1), ("unsolved", 2) })
        {
            var t = Spine.T($"{q}-t", "<think>x</think>", question: q) with { RequestKey = "k" + i };
            store.CompleteRequest(store.BeginRequest(t.RequestKey, t.Id, "inv"), t);
            store.SaveFilterDecisions(t.Id, [new() { TrajectoryId = t.Id, Filter = "correctness", Passed = q != "unsolved", Reason = "r" }]);
        }
        var student = new FakeStudent(new() { ["easy"] = 0.75, ["hard"] = 0.5 });
        var summary = await CompressionStage.RunAsync(store, student, new CompressionOptions { K = 4, Threshold = 0.5 }, CancellationToken.None);

        Assert.Equal(new CompressionSummary(2, 1, 1), summary);
        Assert.Equal([("easy", 4), ("hard", 4)], student.Asked); // only questions with a corpus left are estimated
        Assert.Equal("student pass rate 0.75 (k=4) > threshold 0.5: dropped, already solved", store.CompressionOf("easy")!.Reason);
        Assert.True(store.CompressionOf("hard")!.IsKept);
        await DiversityStage.RunAsync(store, new DiversityOptions(), null, CancellationToken.None);
        Assert.Equal(["hard-t"], store.Selections("farthest").Select(s => s.TrajectoryId));
    }

    private sealed class WordTokenizer : ITokenizer
    {
        private readonly Dictionary<string, int> _ids = new();
        public IReadOnlyList<int> EncodeToIds(string text) =>
            text.Split(' ').Select(w => _ids.TryGetValue(w, out var id) ? id : _ids[w] = 1000 + _ids.Count * 70000).ToList();
    }

    [Fact]
    public void TokenDistanceCountsTokenEdits()
    {
        // By characters "alpha beta gamma" is far from "alpha beta gamma delta" (6 edits); by tokens it is 1 edit.
        var pool = new[] { "alpha beta gamma", "alpha beta gamma delta", "x" }.Select((raw, i) => Spine.T($"t{i}", raw)).ToList();
        var options = new DiversityOptions { P = 2, Distance = Filtering.TextUnit.Tokens };
        var d = DiversityStage.Decide("q1", pool, options, new WordTokenizer());
        Assert.Equal("farthest-P: most distant pair (distance 4)", d[1].Reason); // "alpha beta gamma delta" vs "x"
        Assert.Equal((false, 1), (d[0].IsSelected, d[0].MinDistance));
        using var dir = new TempDir();
        using var store = RunStore.Open(dir.Path);
        // Checked eagerly, before the stage touches the store.
        var e = Assert.Throws<InvalidOperationException>(() => { _ = DiversityStage.RunAsync(store, options, null, CancellationToken.None); });
        Assert.Equal("diversity.distance is tokens but no tokenizer is configured; set `distance: chars` in the recipe", e.Message);
    }
}
