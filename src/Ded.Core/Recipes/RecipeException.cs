namespace Ded.Recipes;

/// <summary>A recipe or one of its input files is wrong. The message reads `file:line: key.path message` (`file: ...` for a file as a whole, line 0).</summary>
public sealed class RecipeException : Exception
{
    public RecipeException(string file, long line, string keyPath, string message)
        : base($"{System.IO.Path.GetFileName(file)}{(line > 0 ? $":{line}" : "")}: {(keyPath.Length > 0 ? keyPath + " " : "")}{message}")
    {
        File = file;
        Line = line;
        KeyPath = keyPath;
    }

    public string File { get; }
    public long Line { get; }
    public string KeyPath { get; }
}
