using Ded.Selection;
using Xunit;

namespace Ded.Tests.Selection;

public class FarthestPointTests
{
    // Distances between runs of 'a' are their length differences, so every pick can be checked by hand:
    // pair (0,4) at 8; then 3 (min(4,4)=4); then 2 (min(2,6,2)=2); then 1 (min(1,7,3,1)=1).
    private static readonly string[] Runs = ["", "a", "aa", "aaaa", "aaaaaaaa"];

    public static TheoryData<int, int[], int?[]> RunsCases => new()
    {
        { 1, [2], [null] },                                  // p = 1: the medoid ("aa": 2+1+0+2+6 = 11, the least)
        { 2, [0, 4], [null, 8] },
        { 3, [0, 4, 3], [null, 8, 4] },
        { 4, [0, 4, 3, 2], [null, 8, 4, 2] },
        { 5, [0, 1, 2, 3, 4], [null, null, null, null, null] }, // n <= p: all, in input order, no choice made
        { 9, [0, 1, 2, 3, 4], [null, null, null, null, null] },
    };

    [Theory]
    [MemberData(nameof(RunsCases))]
    public void PicksFarthestPairThenMaxMin(int p, int[] expected, int?[] minAtPick)
    {
        var result = FarthestPoint.Select(Runs, p);
        Assert.Equal(expected, result.Indices);
        Assert.Equal(expected, result.ToArray()); // the result is itself the list of indices
        Assert.Equal(minAtPick, result.MinDistanceAtPick);
        Assert.Equal(7, result.DistanceBetween(1, 4)); // d("a", "aaaaaaaa")
    }

    [Fact]
    public void TiesGoToTheLowestIndices()
    {
        // d(ab, ba) = 2, d(ab, ab) = 0: four pairs tie at 2, (0,1) is lowest; then 2 and 3 tie at min 0, 2 wins.
        var result = FarthestPoint.Select(["ab", "ba", "ab", "ba", "ab"], 3);
        Assert.Equal([0, 1, 2], result.Indices);
        Assert.Equal([null, 2, 0], result.MinDistanceAtPick);
        // Medoid ties: "ab" rows sum to 4 (two "ba" at 2), "ba" rows to 6; index 0 is the lowest "ab".
        Assert.Equal([0], FarthestPoint.Select(["ab", "ba", "ab", "ba", "ab"], 1).Indices);
        Assert.Equal([0, 1, 2], FarthestPoint.Select(["ab", "cd", "ef", "gh"], 3)); // every pair at distance 2
    }

    [Theory]
    [InlineData(1, new[] { 1 })]       // P = 1: the medoid ("abc" is nearest to all)
    [InlineData(5, new[] { 0, 1, 2 })] // n <= P: all, in order
    public void EdgeCases(int p, int[] expected) =>
        Assert.Equal(expected, FarthestPoint.Select(["abcd", "abc", "xbc"], p));

    [Fact]
    public void TwoClustersAndAnOutlier_TheOutlierComesThird()
    {
        // The spine's case: near-duplicates never come before the outlier.
        var result = FarthestPoint.Select(["aaaaaaaa", "aaaaaaab", "zzzzzzzz", "zzzzzzzy", "mmmm"], 3);
        Assert.Equal([0, 2, 4], result.Indices);
        Assert.Equal([null, 8, 8], result.MinDistanceAtPick);
    }

    [Theory]
    [InlineData(new[] { "only" }, 3, new[] { 0 })]
    [InlineData(new string[0], 3, new int[0])]
    [InlineData(new[] { "x", "x", "x" }, 2, new[] { 0, 1 })]
    public void DegenerateInputs(string[] texts, int p, int[] expected) =>
        Assert.Equal(expected, FarthestPoint.Select(texts, p).Indices);

    [Fact]
    public void MatrixIsSymmetricWithZeroDiagonal()
    {
        var result = FarthestPoint.Select(["kitten", "sitting", "flaw", "lawn"], 2);
        Assert.Equal(
            [0, 3, 6, 5,
             3, 0, 7, 6,
             6, 7, 0, 2,
             5, 6, 2, 0], result.Distances);
        Assert.Equal([1, 2], result.Indices); // sitting/flaw at 7
    }

    [Fact]
    public void ParallelMatrixEqualsSequential()
    {
        var rng = new Random(11);
        var texts = Enumerable.Range(0, 9)
            .Select(_ => new string(Enumerable.Range(0, rng.Next(50, 400)).Select(_ => "abc d"[rng.Next(5)]).ToArray()))
            .ToArray();
        var sequential = FarthestPoint.Select(texts, 4);
        var parallel = FarthestPoint.Select(texts, 4, maxDegreeOfParallelism: 4, CancellationToken.None);
        Assert.Equal(sequential.Distances, parallel.Distances);
        Assert.Equal(sequential.Indices, parallel.Indices);
    }

    [Fact]
    public void TokenSequencesAreComparedInTokens()
    {
        // d([1,2,3],[1,2,3,4,5]) = 2, d([1,2,3],[9]) = 3, d([1,2,3,4,5],[9]) = 5; the pair (1,2), then 0.
        var result = FarthestPoint.Select([[1, 2, 3], [1, 2, 3, 4, 5], [9], [1, 2, 3, 4]], 3);
        Assert.Equal([1, 2, 0], result.Indices);
        Assert.Equal([null, 5, 2], result.MinDistanceAtPick);
    }

    [Fact]
    public void FitsASelectorDelegate()
    {
        // The shape a stage can hold: (texts, P) → indices.
        Func<IReadOnlyList<string>, int, IReadOnlyList<int>> selector = FarthestPoint.Select;
        Assert.Equal([0, 4], selector(Runs, 2));
    }

    [Fact]
    public void SelectFromDistances_RejectsANonSquareMatrix() =>
        Assert.Throws<ArgumentException>(() => FarthestPoint.SelectFromDistances([0, 1, 1], 1));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void PBelowOneIsRejected(int p) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FarthestPoint.Select(Runs, p));

    [Fact]
    public void CancelledTokenStopsTheMatrix() =>
        Assert.ThrowsAny<OperationCanceledException>(() => FarthestPoint.Select(Runs, 2, 1, new CancellationToken(true)));
}
