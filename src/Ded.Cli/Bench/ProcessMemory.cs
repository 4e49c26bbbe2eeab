using System.Globalization;

namespace Ded.Cli.Bench;

/// <summary>Another process's own memory and CPU from /proc (Linux): resident set now, its peak, and CPU seconds.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS and VmHWM (the peak resident set) of <paramref name="pid"/>, in bytes.</summary>
    public static (long Rss, long Peak) Read(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line) * 1024;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line) * 1024;
        }
        return (rss, peak);
    }

    /// <summary>Resets the peak to the current resident set (proc(5), /proc/PID/clear_refs "5"); false where not allowed,
    /// and then the peak counts from the process's start.</summary>
    public static bool TryResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>User plus system CPU seconds (proc(5) /proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // the name may hold spaces; fields resume after ") "
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
