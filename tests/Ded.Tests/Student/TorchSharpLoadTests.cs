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

[Collection(TorchCollection.Name)]
public class TorchRuntimeTests
{
    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern IntPtr getenv(string name);

    // Ded.Student's module initializer sets it (unless the user already did) so libgomp does not spin-wait.
    [Fact]
    public void OpenMpWaitPolicyIsSetForNativeCode()
    {
        Ded.Student.TorchRuntime.UseThreads(1);
        Assert.NotEqual(IntPtr.Zero, getenv("OMP_WAIT_POLICY"));
    }
}
