using System.Diagnostics;
using Ded.Data;
using Ded.Rollouts;
using Microsoft.Extensions.AI;

namespace Ded.Tests.Spine;

/// <summary>A teacher whose text is a pure function of the question and the seed, counting the calls it gets.</summary>
internal sealed class FakeTeacher(Func<string, long, string>? answer = null) : IChatClient
{
    private int _calls;
    public int Calls => _calls;
    public List<ChatOptions> Options { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        lock (Options) Options.Add(options!);
        var question = messages.Last().Text;
        long seed = options?.Seed ?? 0;
        var text = answer?.Invoke(question, seed) ?? $"<think>{question} seed {seed}{new string('.', (int)(seed % 13))}</think>\n\\boxed{{{seed % 2}}}";
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 3, OutputTokenCount = text.Length },
        });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;
    public void Dispose() { }
}

/// <summary>A temporary folder removed at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ded-spine-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } // a killed child may still hold a file briefly
    }
}

internal static class Spine
{
    public static Question Q(string id, string text = "What is 1 + 1?", string gold = "1") =>
        new() { Id = id, Source = "test", Text = text, GoldAnswer = gold, Domain = "math", Family = "arithmetic", Difficulty = 1 };

    public static Trajectory T(string id, string raw, string finish = "stop", string question = "q1") => new()
    {
        Id = id, RequestKey = "key-" + id, QuestionId = question, Teacher = "fake", Model = "fake", SampleIndex = 0, Seed = 7,
        Sampling = new SamplingSettings(), RawResponse = raw, Reasoning = ThinkBlock.Parse(raw).Reasoning,
        FinalAnswerText = ThinkBlock.Parse(raw).AnswerText, FinishReason = finish,
    };

    /// <summary>Runs the built CLI (the Ded.Cli.dll copied beside the tests) as a real process.</summary>
    public static Process StartCli(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "Ded.Cli.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info)!;
    }

    public static async Task<(int Code, string Out, string Err)> RunCliAsync(params string[] args)
    {
        using var process = StartCli(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
