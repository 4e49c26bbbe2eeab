using System.Security.Cryptography;
using System.Text;

namespace Ded.Rollouts;

/// <summary>SHA-256 digests for ids, request keys and derived seeds: stable across processes and machines.</summary>
public static class Hashing
{
    public static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    public static string Hex16(string text) => Hex(text)[..16];
    public static long Int63(string text) =>
        (long)(BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text))) & long.MaxValue);
}
