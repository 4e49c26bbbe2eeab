using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ded.Data;

/// <summary>How the data commands write JSONL: one compact object per line, non-ASCII and <c>&lt;think&gt;</c> left readable.</summary>
internal static class JsonLines
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // files, not HTML: keep "<think>" and "中文" as written
        WriteIndented = false,
    };
}
