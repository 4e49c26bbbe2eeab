using Ded.Lab;
using Ded.Student;
using Ded.Student.Inference;
using Xunit;
namespace Ded.Tests.Tmp;
public class TmpPretrain { [Fact] public void Run() {
  int steps = int.Parse(Environment.GetEnvironmentVariable("TMP_STEPS") ?? "300");
  var opts = new LabBaseOptions { Steps = steps, Examples = 8000 };
  var sw = System.Diagnostics.Stopwatch.StartNew();
  using var s = LabBaseStudent.LoadOrPretrain("/tmp/labbase-" + steps, opts, Console.WriteLine, default);
  using var w = new StreamWriter($"/tmp/pretrain-{steps}.txt");
  w.WriteLine($"train {sw.Elapsed.TotalSeconds:0}s");
  var eval = LabWorld.Pool(new LabPoolOptions { Families = LabWorld.Families, Count = 350, MinDifficulty = 1, MaxDifficulty = 5, Seed = 99 });
  sw.Restart();
  var outs = s.Generate(eval.Select(p => p.Question).ToList(), new GenerateOptions { Temperature = 0, MaxNewTokens = 24 }, default);
  w.WriteLine($"gen {sw.Elapsed.TotalSeconds:0}s");
  foreach (var g in eval.Zip(outs).GroupBy(x => (x.First.Family, x.First.Difficulty)).OrderBy(g => g.Key))
    w.WriteLine($"{g.Key.Family} d{g.Key.Difficulty}: {g.Count(x => LabAnswers.ExtractBoxed(x.Second.Text) == x.First.Answer)}/{g.Count()}  e.g. {g.First().Second.Text.Replace("\n"," ")}");
}}
