using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Ded.Student.Training;

/// <summary>Reads and writes float32 tensors in the safetensors format (huggingface/safetensors: an 8-byte
/// little-endian header length, a JSON header of dtype/shape/data_offsets, then raw little-endian data).
/// Written by hand because TorchSharp only has its own binary format and no maintained .NET safetensors package is
/// among our dependencies; the format is small and fully specified, and this keeps checkpoints readable from Python.</summary>
internal static class Safetensors
{
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var scope = NewDisposeScope(); // the detached CPU copies below
        var header = new JsonObject();
        if (metadata is not null)
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        var data = new List<float[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (tensor.dtype != ScalarType.Float32) throw new ArgumentException($"safetensors writer: {name} is {tensor.dtype}, only float32 is supported");
            var values = tensor.detach().cpu().contiguous().data<float>().ToArray();
            long bytes = values.LongLength * sizeof(float);
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            data.Add(values);
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the spec lets the header be space-padded; 8-byte alignment helps mmap readers
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors writer needs a little-endian machine");
        foreach (var values in data) stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    /// <summary>Tensors by name. Throws <see cref="FormatException"/> naming the file and entry when it is malformed.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new FormatException($"{path}: too short for a safetensors file");
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > bytes.Length - 8) throw new FormatException($"{path}: header length {headerLength} exceeds the file");
        var header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))!.AsObject();
        var dataStart = 8 + (int)headerLength;
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            var entry = node!.AsObject();
            if ((string?)entry["dtype"] != "F32") throw new FormatException($"{path}: {name}: dtype {entry["dtype"]} is not supported (only F32)");
            var shape = entry["shape"]!.AsArray().Select(d => (long)d!).ToArray();
            var offsets = entry["data_offsets"]!.AsArray().Select(d => (long)d!).ToArray();
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (offsets[1] - offsets[0] != count * sizeof(float) || dataStart + offsets[1] > bytes.Length)
                throw new FormatException($"{path}: {name}: data_offsets {offsets[0]}..{offsets[1]} do not match shape [{string.Join(",", shape)}]");
            var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(dataStart + (int)offsets[0], (int)(offsets[1] - offsets[0]))).ToArray();
            result[name] = tensor(values, shape);
        }
        return result;
    }
}
