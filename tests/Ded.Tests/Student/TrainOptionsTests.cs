using Ded.Student.Training;
using Xunit;

namespace Ded.Tests.Student;

public class TrainOptionsTests
{
    private static readonly TrainOptions Options = new() { LearningRate = 1.0, WarmupSteps = 10, Steps = 110, MinLearningRateFraction = 0.1 };

    [Theory]
    [InlineData(0, 0.1)]    // warmup starts at lr/warmup, never at zero
    [InlineData(4, 0.5)]
    [InlineData(9, 1.0)]    // end of warmup: the peak
    [InlineData(10, 1.0)]   // cosine starts at the peak
    [InlineData(60, 0.55)]  // halfway: (peak + min) / 2
    [InlineData(110, 0.1)]  // the end: the minimum
    [InlineData(500, 0.1)]  // past the end stays at the minimum
    public void WarmupThenCosine(int step, double expected) => Assert.Equal(expected, Options.LearningRateAt(step), 12);

    [Fact]
    public void BadValueNamesTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainOptions { BatchSize = 0 }.Validate());
        Assert.Equal("TrainOptions.BatchSize must be >= 1 (got 0)", e.Message);
    }
}
