using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Ded.Cli.Bench;

/// <summary>One HTTP/1.1 exchange over a raw socket, as a hostile client sends it (`ded bench serve`, the serving tests):
/// the caller controls every byte (bad encodings, lying or missing headers, bodies that never end or trickle in), and
/// the answer is read until the server closes or it is complete.</summary>
internal static partial class RawHttp
{
    /// <summary>Headers Ded's own clients send, with the body's length.</summary>
    public static string Headers(int port, int contentLength, string path = "/v1/chat/completions", string extra = "") =>
        $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n{extra}\r\n";

    /// <summary>Sends <paramref name="head"/>, then each body piece (waiting <paramref name="pause"/> between them), and
    /// returns the status and body of the answer. A server that answers early and closes cuts the sending short.</summary>
    public static async Task<(int Status, string Headers, string Body)> SendAsync(int port, byte[] head, IEnumerable<ReadOnlyMemory<byte>> pieces, TimeSpan pause = default)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var reading = ReadAnswerAsync(stream);
        try
        {
            await stream.WriteAsync(head);
            foreach (var piece in pieces)
            {
                if (reading.IsCompleted) break;
                await stream.WriteAsync(piece);
                if (pause > TimeSpan.Zero) await Task.Delay(pause);
            }
        }
        catch (IOException)
        {
            // the server answered and closed before the body was all sent: what an early 413 does
        }
        return Parse(await reading.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    public static Task<(int Status, string Headers, string Body)> SendAsync(int port, string head, string body) =>
        SendAsync(port, Encoding.UTF8.GetBytes(head), [Encoding.UTF8.GetBytes(body)]);

    /// <summary>A body in pieces of <paramref name="size"/> bytes, sliced, not copied.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Pieces(ReadOnlyMemory<byte> body, int size = 1 << 20)
    {
        for (int at = 0; at < body.Length; at += size) yield return body.Slice(at, Math.Min(size, body.Length - at));
    }

    private static async Task<byte[]> ReadAnswerAsync(Stream stream)
    {
        var answer = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer) is var read and > 0)
            {
                answer.Write(buffer, 0, read);
                if (IsComplete(answer.ToArray())) break;
            }
        }
        catch (IOException)
        {
            // reset after the answer: what was read is the answer
        }
        return answer.ToArray();
    }

    /// <summary>A whole answer: headers and a Content-Length body, or a chunked body up to its last chunk.</summary>
    private static bool IsComplete(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var headers = text[..end];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) return text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        var length = ContentLength().Match(headers);
        return !length.Success || bytes.Length - end - 4 >= int.Parse(length.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static (int Status, string Headers, string Body) Parse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return (0, text, "");
        var headers = text[..end];
        var body = text[(end + 4)..];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) body = Dechunk(body);
        return (int.Parse(headers.Split(' ')[1], CultureInfo.InvariantCulture), headers, body);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        for (int at = 0; ;)
        {
            int line = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = Convert.ToInt32(chunked[at..line], 16);
            if (size == 0) return body.ToString();
            body.Append(chunked, line + 2, size);
            at = line + 2 + size + 2;
        }
    }

    [GeneratedRegex(@"Content-Length: (\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex ContentLength();
}
