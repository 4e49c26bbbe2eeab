using Ded.Selection;
using Xunit;

namespace Ded.Tests.Selection;

public class FarthestPointTests
{
    // Distances between runs of 'a' are their length differences, so every pick can be checked by hand:
    // pair (0,4) at 8; then 3 (min(4,4)=4); then 2 (min(2,6,2)=2); then 1 (min(1,7,3,1)=1).
    private static readonly string[] Runs = ["", "a", "aa", "aaaa", "aaaaaaaa"];

    [Theory]
    [InlineData(0, new int[0], new int[0])]
    [InlineData(1, new[] { 0 }, new[] { 8 })]
    [InlineData(2, new[] { 0, 4 }, new[] { 8, 8 })]
    [InlineData(3, new[] { 0, 4, 3 }, new[] { 8, 8, 4 })]
    [InlineData(5, new[] { 0, 4, 3, 2, 1 }, new[] { 8, 8, 4, 2, 1 })]
    [InlineData(9, new[] { 0, 4, 3, 2, 1 }, new[] { 8, 8, 4, 2, 1 })] // p >= n: all, in greedy order
    public void PicksFarthestPairThenMaxMin(int p, int[] expected, int[] minAtPick)
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
        var result = FarthestPoint.Select(["ab", "ba", "ab", "ba"], 3);
        Assert.Equal([0, 1, 2], result.Indices);
        Assert.Equal([2, 2, 0], result.MinDistanceAtPick);
    }

    [Theory]
    [InlineData(new[] { "only" }, 3, new[] { 0 }, new[] { 0 })]
    [InlineData(new string[0], 3, new int[0], new int[0])]
    [InlineData(new[] { "x", "x" }, 2, new[] { 0, 1 }, new[] { 0, 0 })]
    public void DegenerateInputs(string[] texts, int p, int[] expected, int[] minAtPick)
    {
        var result = FarthestPoint.Select(texts, p);
        Assert.Equal(expected, result.Indices);
        Assert.Equal(minAtPick, result.MinDistanceAtPick);
    }

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
        var parallel = FarthestPoint.Select(texts, 4, maxDegreeOfParallelism: 4);
        Assert.Equal(sequential.Distances, parallel.Distances);
        Assert.Equal(sequential.Indices, parallel.Indices);
    }

    [Fact]
    public void TokenSequencesAreComparedInTokens()
    {
        // d([1,2,3],[1,2,3,4,5]) = 2, d([1,2,3],[9]) = 3, d([1,2,3,4,5],[9]) = 5.
        var result = FarthestPoint.Select([[1, 2, 3], [1, 2, 3, 4, 5], [9]], 3);
        Assert.Equal([1, 2, 0], result.Indices);
        Assert.Equal([5, 5, 2], result.MinDistanceAtPick);
    }

    [Fact]
    public void SelectFromDistances_RejectsANonSquareMatrix() =>
        Assert.Throws<ArgumentException>(() => FarthestPoint.SelectFromDistances([0, 1, 1], 1));

    [Fact]
    public void NegativePIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FarthestPoint.Select(Runs, -1));

    [Fact]
    public void CancelledTokenStopsTheMatrix() =>
        Assert.ThrowsAny<OperationCanceledException>(() => FarthestPoint.Select(Runs, 2, ct: new CancellationToken(true)));
}
