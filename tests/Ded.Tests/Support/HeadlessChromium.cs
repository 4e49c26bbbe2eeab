using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Ded.Tests.Support;

/// <summary>
/// A minimal Chrome DevTools Protocol driver over one page of a headless Chromium, for tests that need a real
/// browser (images decode, scripts run, clicks work). Hand-written because the only .NET CDP clients
/// (PuppeteerSharp, Playwright) download their own browsers; this uses Debian's `chromium` and
/// System.Net.WebSockets. Protocol: https://chromedevtools.github.io/devtools-protocol/
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly ConcurrentQueue<JsonObject> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receive = Task.CompletedTask;
    private string? _session;
    private int _nextId;

    private HeadlessChromium(Process process, string profile) => (_process, _profile) = (process, profile);

    /// <summary>The chromium executable on PATH, or null (tests then skip and say how to install it).</summary>
    public static string? FindExecutable() =>
        new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Starts chromium with a fresh profile and attaches to a new blank page with a fixed viewport.</summary>
    public static async Task<HeadlessChromium> StartAsync(int width, int height, CancellationToken ct)
    {
        var exe = FindExecutable() ?? throw new InvalidOperationException("chromium not found on PATH (apt-get install chromium)");
        var profile = Directory.CreateTempSubdirectory("ded-chromium-").FullName;
        var info = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                     $"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank" })
            info.ArgumentList.Add(arg);
        var browser = new HeadlessChromium(Process.Start(info)!, profile);
        try
        {
            var url = await browser.ReadDevToolsUrlAsync(ct);
            await browser._socket.ConnectAsync(new Uri(url), ct);
            browser._receive = Task.Run(browser.ReceiveLoopAsync);
            await browser.AttachPageAsync(width, height, ct);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Console errors, uncaught exceptions and log errors seen so far, as readable lines.</summary>
    public IReadOnlyList<string> Errors =>
        _events.Select(DescribeError).OfType<string>().ToList();

    /// <summary>Every URL the page requested so far (documents, images, scripts), in order.</summary>
    public IReadOnlyList<string> RequestedUrls =>
        _events.Where(e => (string?)e["method"] == "Network.requestWillBeSent")
            .Select(e => (string?)e["params"]?["request"]?["url"] ?? "").ToList();

    /// <summary>Navigates and waits for the load event.</summary>
    public async Task NavigateAsync(string url, CancellationToken ct)
    {
        var loaded = WaitForEventAsync("Page.loadEventFired", ct);
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url }, ct);
        if (result["errorText"] is { } error)
            throw new InvalidOperationException($"navigation to {url} failed: {error}");
        await loaded;
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its JSON value; a thrown exception fails.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression, CancellationToken ct)
    {
        var result = await SendAsync("Runtime.evaluate",
            new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true }, ct);
        if (result["exceptionDetails"] is { } ex)
            throw new InvalidOperationException($"page script failed: {ex.ToJsonString()}");
        return result["result"]?["value"]?.DeepClone();
    }

    /// <summary>Clicks the centre of the first element matching a CSS selector with real mouse events.</summary>
    public async Task ClickAsync(string selector, CancellationToken ct)
    {
        var rect = await EvaluateAsync(
            $"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); if (!e) return null; e.scrollIntoView({{block:'center'}}); " +
            "const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()", ct)
            ?? throw new InvalidOperationException($"no element matches {selector}");
        foreach (var type in new[] { "mousePressed", "mouseReleased" })
            await SendAsync("Input.dispatchMouseEvent", new JsonObject
            {
                ["type"] = type, ["x"] = rect["x"]!.GetValue<double>(), ["y"] = rect["y"]!.GetValue<double>(),
                ["button"] = "left", ["clickCount"] = 1,
            }, ct);
    }

    /// <summary>A PNG of the viewport, or of the whole page when <paramref name="fullPage"/>.</summary>
    public async Task<byte[]> ScreenshotAsync(bool fullPage, CancellationToken ct)
    {
        var args = new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = fullPage };
        if (fullPage)
        {
            var size = await EvaluateAsync("({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})", ct);
            args["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = size!["w"]!.GetValue<double>(), ["height"] = size["h"]!.GetValue<double>(), ["scale"] = 1 };
        }
        else
            await EvaluateAsync("window.scrollTo(0, 0)", ct);
        var result = await SendAsync("Page.captureScreenshot", args, ct);
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    /// <summary>A PNG of the first element matching a CSS selector (page coordinates, so it need not be in view).</summary>
    public async Task<byte[]> ScreenshotAsync(string selector, CancellationToken ct)
    {
        var rect = await EvaluateAsync(
            $"(() => {{ const r = document.querySelector({JsonSerializer.Serialize(selector)}).getBoundingClientRect(); " +
            "return {x: r.x + window.scrollX, y: r.y + window.scrollY, w: r.width, h: r.height}; })()", ct)
            ?? throw new InvalidOperationException($"no element matches {selector}");
        var result = await SendAsync("Page.captureScreenshot", new JsonObject
        {
            ["format"] = "png", ["captureBeyondViewport"] = true,
            ["clip"] = new JsonObject { ["x"] = rect["x"]!.GetValue<double>(), ["y"] = rect["y"]!.GetValue<double>(),
                ["width"] = rect["w"]!.GetValue<double>(), ["height"] = rect["h"]!.GetValue<double>(), ["scale"] = 1 },
        }, ct);
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    private async Task<string> ReadDevToolsUrlAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var seen = new StringBuilder();
        while (await _process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.AppendLine(line);
            if (DevToolsLine().Match(line) is { Success: true } match)
            {
                // Keep draining stderr so chromium never blocks on a full pipe.
                _ = _process.StandardError.ReadToEndAsync(CancellationToken.None);
                _ = _process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return match.Groups[1].Value;
            }
        }
        throw new InvalidOperationException($"chromium exited before printing its DevTools URL:\n{seen}");
    }

    private async Task AttachPageAsync(int width, int height, CancellationToken ct)
    {
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, ct, browserLevel: true);
        var attached = await SendAsync("Target.attachToTarget",
            new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, ct, browserLevel: true);
        _session = attached["sessionId"]!.GetValue<string>();
        foreach (var domain in new[] { "Page.enable", "Runtime.enable", "Log.enable", "Network.enable" })
            await SendAsync(domain, new JsonObject(), ct);
        await SendAsync("Emulation.setDeviceMetricsOverride",
            new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false }, ct);
    }

    private async Task<JsonObject> SendAsync(string method, JsonObject parameters, CancellationToken ct, bool browserLevel = false)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (!browserLevel) message["sessionId"] = _session;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, ct);
        var response = await reply.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        if (response["error"] is { } error)
            throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
        return response["result"]?.AsObject() ?? new JsonObject();
    }

    private async Task WaitForEventAsync(string method, CancellationToken ct)
    {
        var start = _events.Count;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!_events.Skip(start).Any(e => (string?)e["method"] == method))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {method} within 30 s");
            await Task.Delay(25, ct);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                var json = JsonNode.Parse(message.ToArray())!.AsObject();
                message.SetLength(0);
                if (json["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var reply))
                    reply.TrySetResult(json);
                else
                    _events.Enqueue(json);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Closing: disposal cancels the loop or chromium went away; pending calls time out with their method name.
        }
    }

    private static string? DescribeError(JsonObject e)
    {
        var p = e["params"];
        return (string?)e["method"] switch
        {
            "Runtime.consoleAPICalled" when (string?)p?["type"] == "error" => "console.error: " + p?["args"]?.ToJsonString(),
            "Runtime.exceptionThrown" => "uncaught: " + p?["exceptionDetails"]?.ToJsonString(),
            "Log.entryAdded" when (string?)p?["entry"]?["level"] == "error" => "log error: " + p?["entry"]?.ToJsonString(),
            _ => null,
        };
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException) { }
        await _receive.ConfigureAwait(false);
        _socket.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } // chromium may still flush its profile
        _stop.Dispose();
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
