using PaymentActors.Node.Tests.Harness;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>
/// The live dashboard in a real headless Chromium (Debian's package, driven by PuppeteerSharp; nothing is downloaded):
/// it loads without console errors, shows the members, and its throughput figure and alert list change while a known
/// load flows. The screenshot is written under the test output's <c>artifacts/</c> (and to docs/dashboard.png when
/// PAYMENTS_UPDATE_DOCS_SCREENSHOT=1).
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_dashboard_shows_members_and_its_throughput_and_alerts_change_while_load_flows()
    {
        await using var node = SingleNodeProcess.Start();
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));

        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true,
            ExecutablePath = Chromium(),
            // Root in CI containers has no user namespace for the sandbox; /dev/shm is small there.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1100 });
        var errors = new List<string>();
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                lock (errors)
                {
                    errors.Add(e.Message.Text);
                }
            }
        };
        page.PageError += (_, e) =>
        {
            lock (errors)
            {
                errors.Add(e.Message);
            }
        };

        await page.GoToAsync(node.BaseUri.ToString(), WaitUntilNavigation.DOMContentLoaded);
        var wait = new WaitForFunctionOptions { Timeout = 90_000, PollingInterval = 200 };
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#members tr.member')].some(r => r.textContent.includes('Up'))", wait);
        Assert.Equal("0", await Text(page, "throughput"));
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#alerts li').length"));

        // A known load, repeated until the page has shown it (or the deadline): flagged CASH_OUTs raise alerts.
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested && round < 60; round++)
            {
                await KnownLoad.PostAsync(node.Http, node.BaseUri, KnownLoad.Ndjson($"ui{round}", 25, startHour: round % 12));
            }
        });
        try
        {
            await page.WaitForFunctionAsync("() => Number(document.getElementById('throughput').textContent.replace(/,/g, '')) > 0", wait);
            await page.WaitForFunctionAsync("() => document.querySelectorAll('#alerts li').length > 0", wait);
            await page.WaitForFunctionAsync("() => document.querySelectorAll('#hourly-chart rect').length > 0", wait);
        }
        finally
        {
            stop.Cancel();
            await load;
        }

        Assert.Contains("full-balance-drain", await page.EvaluateExpressionAsync<string>("document.getElementById('alerts').textContent"));
        Assert.NotEqual("0", await Text(page, "decided"));

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "dashboard.png");
        await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = true });
        output.WriteLine("screenshot: " + screenshot);
        Assert.True(new FileInfo(screenshot).Length > 10_000);
        if (Environment.GetEnvironmentVariable("PAYMENTS_UPDATE_DOCS_SCREENSHOT") == "1")
        {
            File.Copy(screenshot, Path.Combine(RepoPaths.Root, "docs", "dashboard.png"), overwrite: true);
        }

        lock (errors)
        {
            Assert.True(errors.Count == 0, "console errors: " + string.Join("\n", errors));
        }
    }

    private static Task<string> Text(IPage page, string id) => page.EvaluateExpressionAsync<string>($"document.getElementById('{id}').textContent");

    /// <summary>Debian's chromium on the PATH (scripts/test.sh installs it).</summary>
    private static string Chromium()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException("chromium is not installed: apt-get install chromium (scripts/test.sh does)");
    }
}
