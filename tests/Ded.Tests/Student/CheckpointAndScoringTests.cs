using System.Buffers.Binary;
using System.Text.Json;
using Ded.Student;
using Ded.Student.Training;
using Xunit;
using static TorchSharp.torch;

namespace Ded.Tests.Student;

[Collection(TorchCollection.Name)]
public class CheckpointAndScoringTests
{
    [Fact]
    public void SaveLoadGivesBitIdenticalLogits()
    {
        var dir = Tiny.TempDir();
        try
        {
            using var student = LabStudent.Create(Tiny.Config, seed: 8, threads: 1);
            student.Save(dir);
            using var loaded = LabStudent.Load(dir, threads: 1);
            Assert.Equal(student.Model.Config, loaded.Model.Config);
            using var noGrad = no_grad();
            using var ids = tensor(CharTokenizer.Lab.Encode("Q: 3*4\nA: 12").Select(i => (long)i).ToArray()).unsqueeze(0);
            using var before = student.Model.Forward(ids);
            using var after = loaded.Model.Forward(ids);
            Assert.Equal(before.data<float>().ToArray(), after.data<float>().ToArray());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void SafetensorsHeaderFollowsTheFormat()
    {
        var dir = Tiny.TempDir();
        try
        {
            using var student = LabStudent.Create(Tiny.Config, seed: 8, threads: 1);
            student.Save(dir);
            var bytes = File.ReadAllBytes(Path.Combine(dir, Checkpoint.WeightsFile));
            long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0, headerLength % 8);
            using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            var wte = header.RootElement.GetProperty("wte.weight");
            Assert.Equal("F32", wte.GetProperty("dtype").GetString());
            Assert.Equal([99L, 32L], wte.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
            long dataBytes = header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__")
                .Sum(p => p.Value.GetProperty("data_offsets")[1].GetInt64() - p.Value.GetProperty("data_offsets")[0].GetInt64());
            Assert.Equal(bytes.Length - 8 - headerLength, dataBytes);
            Assert.Equal(student.Model.ParameterCount * 4, dataBytes);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void LoadingAMissingFolderSaysWhatToDo()
    {
        var e = Assert.Throws<FileNotFoundException>(() => LabStudent.Load("/nonexistent/ckpt"));
        Assert.Equal("/nonexistent/ckpt/config.json: no checkpoint config; save a checkpoint there first", e.Message);
    }

    [Fact]
    public void UniformModelScoresLogVEverywhere()
    {
        using var student = LabStudent.Create(Tiny.Config, seed: 8, threads: 1);
        using (no_grad())
            foreach (var (_, p) in student.Model.named_parameters()) p.zero_(); // zero embedding -> zero logits -> uniform
        var score = student.Score("2+2", "4");
        Assert.Equal(["4", "<eos>"], score.Tokens.Select(t => t.Token));
        double logV = Math.Log(CharTokenizer.LabVocabSize);
        Assert.All(score.Tokens, t =>
        {
            Assert.Equal(-logV, t.LogProbNats, 5);
            Assert.Equal(logV, t.EntropyNats, 5);
            Assert.Equal(Math.Log2(CharTokenizer.LabVocabSize), t.EntropyBits, 5);
        });
        Assert.False(score.IsTruncated);
    }
}
