using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ded.Data;

namespace Ded.Rollouts;

/// <summary>
/// A question's text as it appears, JSON-escaped, in the request key of each of its samples. The key is SHA-256 over
/// <c>{"model":…,"messages":[{"role":"user","content":…}],"sampling":…,"sample_index":…,"seed":…}</c> (compact, the
/// serializer's default escaping); it is hashed in parts, so a long question is escaped once per question, in chunks,
/// and never copied into one string per sample.
/// </summary>
public sealed class QuestionKeyText
{
    private const int ChunkChars = 1 << 16;
    private readonly List<byte[]> _escaped = [];

    private QuestionKeyText(Question question)
    {
        Question = question;
        // Escaping is per character, so chunks escape to the whole's escaping as long as no surrogate pair is split.
        var text = question.Text.AsSpan();
        while (text.Length > 0)
        {
            int n = Math.Min(ChunkChars, text.Length);
            if (n < text.Length && char.IsHighSurrogate(text[n - 1])) n--;
            _escaped.Add(JsonEncodedText.Encode(text[..n]).EncodedUtf8Bytes.ToArray());
            text = text[n..];
        }
    }

    public Question Question { get; }

    public static QuestionKeyText Of(Question question) => new(question);

    /// <summary>The request key (lower-case hex SHA-256) of one sample of this question.</summary>
    public string Key(string modelId, SamplingSettings sampling, int sampleIndex, long seed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{{\"model\":{JsonSerializer.Serialize(modelId)},\"messages\":[{{\"role\":\"user\",\"content\":\""));
        foreach (var chunk in _escaped) hash.AppendData(chunk);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"\"}}],\"sampling\":{JsonSerializer.Serialize(sampling.Canonical())},\"sample_index\":{sampleIndex},\"seed\":{seed}}}")));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
