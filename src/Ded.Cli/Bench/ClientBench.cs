using System.Diagnostics;
using System.Net;
using System.Text;
using Ded.Teachers.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Ded.Cli.Bench;

/// <summary>
/// `ded bench client`: the full endpoint client stack (stats, extras, retry, limits, spread, fault classifier,
/// OpenAI SDK) against an in-process Kestrel server that answers instantly, 256 requests in flight. The anchor
/// is a bare HttpClient posting the same bytes to the same server, so the table shows what the stack costs.
/// Memory is sampled every 100 ms; "flat" means RSS after 100,000 requests is within a few MB of RSS after 20,000.
/// </summary>
internal static class ClientBench
{
    private const int Requests = 100_000, InFlight = 256, AnchorRequests = 20_000, Warmup = 2_000;

    private static readonly byte[] Answer = Encoding.UTF8.GetBytes(
        "{\"id\":\"chatcmpl-b\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"bench\",\"choices\":[{\"index\":0," +
        "\"message\":{\"role\":\"assistant\",\"content\":\"<think>\\nadd them\\n</think>\\n\\n4\"},\"finish_reason\":\"stop\"}]," +
        "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}");

    public static async Task<IReadOnlyDictionary<string, object>> RunAsync(TextWriter output, CancellationToken ct)
    {
        await using var server = await StartServerAsync(ct);
        var baseUrl = server.Urls.First() + "/v1";
        var options = new EndpointOptions { BaseUrls = [baseUrl], Model = "bench", MaxInFlight = InFlight, AttemptTimeout = TimeSpan.FromSeconds(30) };
        using var client = EndpointClientFactory.Create(options);
        ChatMessage[] messages = [new(ChatRole.User, "What is 2 + 2?")];
        var chatOptions = new ChatOptions { MaxOutputTokens = 64, Temperature = 0.6f };

        await RunManyAsync(Warmup, _ => client.GetResponseAsync(messages, chatOptions, ct), ct);
        var anchor = await MeasureAnchorAsync(baseUrl, ct);
        var sdkOnly = await MeasureSdkOnlyAsync(baseUrl, messages, chatOptions, ct);

        var heapBeforeMb = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
        using var sampler = new RssSampler();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var rssAt20k = 0.0;
        var watch = Stopwatch.StartNew();
        await RunManyAsync(Requests, i =>
        {
            if (i == 20_000) rssAt20k = RssSampler.CurrentMb();
            return client.GetResponseAsync(messages, chatOptions, ct);
        }, ct);
        watch.Stop();
        var allocatedPerRequest = (GC.GetTotalAllocatedBytes() - allocatedBefore) / (double)Requests;
        var rssEnd = RssSampler.CurrentMb();
        var heapAfterMb = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0; // live objects only: a leak shows here
        var stats = client.GetService<EndpointStats>()!.Snapshot();
        var rps = Requests / watch.Elapsed.TotalSeconds;

        output.WriteLine($"{"path",-34} {"requests",9} {"seconds",8} {"req/s",9}");
        output.WriteLine($"{"bare HttpClient (anchor)",-34} {AnchorRequests,9} {anchor.Seconds,8:F2} {AnchorRequests / anchor.Seconds,9:F0}");
        output.WriteLine($"{"OpenAI SDK IChatClient, no layers",-34} {AnchorRequests,9} {sdkOnly,8:F2} {AnchorRequests / sdkOnly,9:F0}");
        output.WriteLine($"{"Ded endpoint client stack",-34} {Requests,9} {watch.Elapsed.TotalSeconds,8:F2} {rps,9:F0}");
        output.WriteLine($"in flight {InFlight}, cores {Environment.ProcessorCount}, allocated {allocatedPerRequest / 1024:F1} KiB/request, " +
                         $"gen2 GCs {GC.CollectionCount(2)}");
        output.WriteLine($"RSS MB: after 20k {rssAt20k:F0}, after 100k {rssEnd:F0}, peak sampled {sampler.PeakMb:F0}, " +
                         $"process peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0}");
        output.WriteLine($"managed heap after full GC, MB: before the run {heapBeforeMb:F1}, after {heapAfterMb:F1}");
        output.WriteLine($"stats: {stats}");
        return new Dictionary<string, object>
        {
            ["requests_per_second"] = Math.Round(rps),
            ["in_flight"] = InFlight,
            ["peak_rss_mb"] = Math.Round(sampler.PeakMb),
            ["anchor_requests_per_second"] = Math.Round(AnchorRequests / anchor.Seconds),
            ["sdk_only_requests_per_second"] = Math.Round(AnchorRequests / sdkOnly),
            ["rss_growth_mb_20k_to_100k"] = Math.Round(rssEnd - rssAt20k, 1),
            ["live_heap_growth_mb"] = Math.Round(heapAfterMb - heapBeforeMb, 1),
            ["allocated_kib_per_request"] = Math.Round(allocatedPerRequest / 1024, 1),
            ["completed"] = stats.Completed,
        };
    }

    /// <summary>Runs <paramref name="count"/> calls with <see cref="InFlight"/> workers pulling indexes.</summary>
    private static async Task RunManyAsync(int count, Func<int, Task> call, CancellationToken ct)
    {
        var next = -1;
        var workers = Enumerable.Range(0, InFlight).Select(async _ =>
        {
            await Task.Yield();
            for (int i; (i = Interlocked.Increment(ref next)) < count;)
            {
                ct.ThrowIfCancellationRequested();
                await call(i).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private static async Task<(double Seconds, int Done)> MeasureAnchorAsync(string baseUrl, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = InFlight, UseProxy = false });
        var url = new Uri(baseUrl + "/chat/completions");
        var body = Encoding.UTF8.GetBytes("{\"model\":\"bench\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 2 + 2?\"}]}");
        async Task PostAsync(int _)
        {
            using var content = new ByteArrayContent(body);
            using var response = await http.PostAsync(url, content, ct).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        await RunManyAsync(Warmup, PostAsync, ct);
        var watch = Stopwatch.StartNew();
        await RunManyAsync(AnchorRequests, PostAsync, ct);
        return (watch.Elapsed.TotalSeconds, AnchorRequests);
    }

    /// <summary>The OpenAI SDK's IChatClient alone (same HttpClient settings), to split SDK cost from Ded's layers.</summary>
    private static async Task<double> MeasureSdkOnlyAsync(string baseUrl, ChatMessage[] messages, ChatOptions chatOptions, CancellationToken ct)
    {
        var options = new EndpointOptions { BaseUrls = [baseUrl], Model = "bench", MaxInFlight = InFlight };
        using var http = new HttpClient(EndpointClientFactory.CreateHandler(options)) { Timeout = Timeout.InfiniteTimeSpan };
        var sdkOptions = new OpenAI.OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl),
            Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(http),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
            NetworkTimeout = options.AttemptTimeout + TimeSpan.FromMinutes(1), // as the factory sets it
        };
        using var client = new OpenAI.Chat.ChatClient("bench", new System.ClientModel.ApiKeyCredential("EMPTY"), sdkOptions).AsIChatClient();
        await RunManyAsync(Warmup, _ => client.GetResponseAsync(messages, chatOptions, ct), ct); // connections opened, code tiered
        var watch = Stopwatch.StartNew();
        await RunManyAsync(AnchorRequests, _ => client.GetResponseAsync(messages, chatOptions, ct), ct);
        return watch.Elapsed.TotalSeconds;
    }

    private static async Task<WebApplication> StartServerAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", async ctx =>
        {
            // why: the request body must be drained or Kestrel cannot reuse the connection.
            await ctx.Request.Body.CopyToAsync(Stream.Null);
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength = Answer.Length;
            await ctx.Response.Body.WriteAsync(Answer);
        });
        await app.StartAsync(ct);
        return app;
    }

    /// <summary>Samples the working set every 100 ms on a timer, keeping the peak.</summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly Timer _timer;
        private double _peakMb;

        public RssSampler() => _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));

        public double PeakMb { get { Sample(); return Volatile.Read(ref _peakMb); } }

        public static double CurrentMb()
        {
            using var self = Process.GetCurrentProcess();
            return self.WorkingSet64 / 1048576.0;
        }

        private void Sample()
        {
            var mb = CurrentMb();
            double seen;
            while (mb > (seen = Volatile.Read(ref _peakMb)) && Interlocked.CompareExchange(ref _peakMb, mb, seen) != seen) { }
        }

        public void Dispose() => _timer.Dispose();
    }
}
