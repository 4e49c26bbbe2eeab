using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Ded.Student;

/// <summary>libtorch's process-wide settings: the thread count, and how its OpenMP threads wait.</summary>
public static class TorchRuntime
{
    /// <summary>Sets libtorch's intra-op thread count; 0 or less means one per core.</summary>
    public static void UseThreads(int threads) => torch.set_num_threads(threads > 0 ? threads : Environment.ProcessorCount);

    /// <summary>Runs before any code of this assembly, so before libtorch loads. libtorch's bundled libgomp reads
    /// OMP_WAIT_POLICY once, at load, and by default spin-waits between parallel regions; on a loaded 2-core machine
    /// the spinning threads starve each other. Measured with `ded bench train` at load average ~25: 2-thread training
    /// 226 tokens/s by default, 2,300 tokens/s with PASSIVE. A value the user set is kept (overwrite = 0).
    /// Environment.SetEnvironmentVariable does not reach native getenv on Unix, hence libc's setenv.</summary>
#pragma warning disable CA2255 // a library module initializer on purpose: it has to run before libtorch loads
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void PreferPassiveOpenMpWaits()
    {
        if (OperatingSystem.IsLinux()) _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);
}
