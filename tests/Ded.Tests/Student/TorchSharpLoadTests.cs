using Xunit;
using static TorchSharp.torch;

namespace Ded.Tests.Student;

[Collection(TorchCollection.Name)]
public class TorchSharpLoadTests
{
    // Fails with a DllNotFoundException / GLIBCXX error if the build step that weakens the libstdc++ version
    // requirement of libLibTorchSharp.so (Directory.Build.targets) did not run on the copy in the output folder.
    [Fact]
    public void NativeLibraryLoadsAndComputes()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var product = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, product.data<float>().ToArray());
    }
}
