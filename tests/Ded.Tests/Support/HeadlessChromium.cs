using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using PuppeteerSharp;

namespace Ded.Tests.Support;

/// <summary>
/// One page of a headless Chromium, for tests that need a real browser (images decode, scripts run, clicks work):
/// PuppeteerSharp driving Debian's `chromium` (<see cref="LaunchOptions.ExecutablePath"/> set, so it downloads
/// nothing), with the page's console errors and every requested URL recorded.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly IBrowser _browser;
    private readonly IPage _page;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _urls = new();

    private HeadlessChromium(IBrowser browser, IPage page)
    {
        (_browser, _page) = (browser, page);
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) _errors.Enqueue(e.Message.Text); };
        page.PageError += (_, e) => _errors.Enqueue(e.Message);
        page.Request += (_, e) => _urls.Enqueue(e.Request.Url);
    }

    /// <summary>The chromium executable on PATH, or null (tests then skip and say how to install it).</summary>
    public static string? FindExecutable() =>
        new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Starts chromium with a fresh profile on one blank page with a fixed viewport.</summary>
    public static async Task<HeadlessChromium> StartAsync(int width, int height, CancellationToken ct)
    {
        var exe = FindExecutable() ?? throw new InvalidOperationException("chromium not found on PATH (apt-get install chromium)");
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true, ExecutablePath = exe, DefaultViewport = new ViewPortOptions { Width = width, Height = height },
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--hide-scrollbars"],
        }).WaitAsync(ct);
        try
        {
            return new HeadlessChromium(browser, await browser.NewPageAsync().WaitAsync(ct));
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Console errors and uncaught exceptions of the page so far.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    /// <summary>Every URL the page requested so far.</summary>
    public IReadOnlyList<string> RequestedUrls => [.. _urls];

    /// <summary>Opens <paramref name="url"/> and waits for its load event.</summary>
    public Task NavigateAsync(string url, CancellationToken ct) => _page.GoToAsync(url, WaitUntilNavigation.Load).WaitAsync(ct);

    /// <summary>The value of a JavaScript expression in the page, as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression, CancellationToken ct) =>
        JsonNode.Parse((await _page.EvaluateExpressionAsync<JsonElement>(expression).WaitAsync(ct)).GetRawText());

    /// <summary>Clicks the first element matching <paramref name="selector"/> (throws when there is none).</summary>
    public Task ClickAsync(string selector, CancellationToken ct) => _page.ClickAsync(selector).WaitAsync(ct);

    /// <summary>A PNG of the viewport, or of the whole page.</summary>
    public Task<byte[]> ScreenshotAsync(bool fullPage, CancellationToken ct) =>
        _page.ScreenshotDataAsync(new ScreenshotOptions { FullPage = fullPage, Type = ScreenshotType.Png }).WaitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _page.DisposeAsync();
        await _browser.DisposeAsync();
    }
}
