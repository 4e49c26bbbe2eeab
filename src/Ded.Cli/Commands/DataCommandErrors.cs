namespace Ded.Cli.Commands;

/// <summary>Turns the data commands' user-fixable failures into one line on stderr and exit code 1.</summary>
internal static class DataCommandErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is InvalidDataException or Data.InvalidUtf8Exception or FileNotFoundException or ArgumentException or NotSupportedException)
        {
            await Console.Error.WriteLineAsync($"ded: {e.Message}");
            return 1;
        }
    }
}
