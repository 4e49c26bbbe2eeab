using Xunit;

namespace Ded.Tests.Serving;

/// <summary>`ded serve` refuses what it cannot serve, with one line that says what to do.</summary>
public class ServeCommandTests
{
    public static TheoryData<string[], string> BadArguments => new()
    {
        { [], "error: ded serve needs exactly one of --checkpoint DIR or --lab-teacher NAME" },
        { ["--checkpoint", "/nonexistent/ckpt"], "error: --checkpoint: /nonexistent/ckpt is not a folder; pass a lab student checkpoint folder (written by LabStudent.Save or a training run's CheckpointDir)" },
        { ["--checkpoint", "/", "--lab-teacher", "oracle"], "error: ded serve needs exactly one of --checkpoint DIR or --lab-teacher NAME" },
        { ["--checkpoint", "/"], "error: --checkpoint: /config.json: no checkpoint config; save a checkpoint there first" },
        { ["--lab-teacher", "sage"], "error: --lab-teacher: unknown lab teacher 'sage' (known: oracle, careful, granular, terse, verbose, explorer, answer-first, sloppy)" },
        { ["--lab-teacher", "oracle", "--max-concurrent", "0"], "error: --max-concurrent must be in 1..1024 (got 0)" },
        { ["--lab-teacher", "oracle", "--max-request-bytes", "100"], "error: --max-request-bytes must be in 1024..268435456 (got 100)" },
        { ["--lab-teacher", "oracle", "--cors-origin", "localhost:3000"], "error: --cors-origin: 'localhost:3000' is not an origin; give scheme://host[:port], e.g. http://localhost:3000" },
        { ["--lab-teacher", "oracle", "--cors-origin", "http://localhost:3000/app"], "error: --cors-origin: 'http://localhost:3000/app' is not an origin; give scheme://host[:port], e.g. http://localhost:3000" },
        { ["--lab-teacher", "oracle", "--api-key-env", "DED_SERVE_TEST_UNSET"], "error: --api-key-env names DED_SERVE_TEST_UNSET, which is not set: export DED_SERVE_TEST_UNSET=<key> first, or leave --api-key-env out" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task BadArgumentsFailWithOneLine(string[] args, string expected)
    {
        var (code, stdout, stderr) = await Cli.RunAsync(null, ["serve", .. args]);
        Assert.Equal((2, "", expected), (code, stdout, stderr.Trim()));
    }

    [Fact]
    public async Task SigtermStopsTheServerCleanly()
    {
        await using var server = await ServedProcess.StartAsync(null, "--lab-teacher", "oracle");
        var (status, _) = await ServedProcess.PostAsync(server.BaseUrl + "/chat/completions", """{"messages":[{"role":"user","content":"What is 1 + 1?"}]}""");
        Assert.Equal(200, status);
        Assert.Equal(0, await server.TerminateAsync());
    }
}
