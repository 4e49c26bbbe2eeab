using Ded.Student.Training;
using Xunit;

namespace Ded.Tests.Student;

/// <summary>Student tests share libtorch's process-wide thread pool; they run one at a time, each on one torch thread:
/// with tiny tensors, more threads only add OpenMP spin-waiting, which is ruinous on a loaded 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection : ICollectionFixture<OneTorchThread>
{
    public const string Name = "Torch";
}

/// <summary>Sets libtorch to one thread for tests that call the model directly rather than through LabStudent.</summary>
public sealed class OneTorchThread
{
    public OneTorchThread() => Ded.Student.TorchRuntime.UseThreads(1); // touches Ded.Student first: its module initializer must precede libtorch loading
}

internal static class Tiny
{
    /// <summary>~30k parameters: every student test runs in about a second.</summary>
    public static TinyGptConfig Config { get; } = new() { BlockSize = 64, Layers = 2, Heads = 2, EmbedDim = 32 };

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ded-student-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
