using System.Globalization;

namespace Ded.Rollouts;

/// <summary>How a teacher is sampled. Part of every request key and of each trajectory's lineage.</summary>
public sealed record SamplingSettings
{
    public int SamplesPerQuestion { get; init; } = 8;  // M, unset in the paper; 8 leaves room for P = 4 after filters
    public double Temperature { get; init; } = 0.6;    // the field's standard for reasoning models (DED.md)
    public double TopP { get; init; } = 0.95;
    public int MaxTokens { get; init; } = 32768;       // DED.md: the field's usual limit for new tokens
    public long Seed { get; init; } = 1;               // base seed; each sample derives its own (see Seeds)

    /// <summary>A canonical text of the settings that change a response (not M: adding samples keeps old ones).</summary>
    public string Canonical() => string.Create(CultureInfo.InvariantCulture,
        $"temperature={Temperature:R};top_p={TopP:R};max_tokens={MaxTokens};seed={Seed}");

    /// <summary>First 16 hex digits of SHA-256 over <see cref="Canonical"/>.</summary>
    public string Hash() => Hashing.Hex16(Canonical());
}
