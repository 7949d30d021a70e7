using System.Net;
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

        await using var browser = await LaunchAsync();
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

    [Fact]
    public async Task On_a_secured_node_the_dashboard_trades_a_read_key_for_an_httponly_cookie_accepted_by_its_event_stream_only()
    {
        var secrets = ClusterSecrets.Create("dashboard", 1);
        await using var node = SingleNodeProcess.Start(secrets.ForNode(0));
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        using var anonymous = secrets.Http(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri(node.BaseUri, "dashboard/events"), HttpCompletionOption.ResponseHeadersRead)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(node.BaseUri)).StatusCode); // the page itself holds no data

        // The browser trusts the node's certificate as the test's HTTP client does (the cluster CA is not in its store).
        await using var browser = await LaunchAsync("--ignore-certificate-errors");
        await using var page = await browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, e) =>
        {
            lock (pageErrors)
            {
                pageErrors.Add(e.Message);
            }
        };
        await page.GoToAsync(node.BaseUri.ToString(), WaitUntilNavigation.DOMContentLoaded);
        var wait = new WaitForFunctionOptions { Timeout = 90_000, PollingInterval = 200 };
        await page.WaitForFunctionAsync("() => !document.getElementById('login').hidden", wait);

        // A wrong key and a key without the read role are refused with the reason; the read key signs in.
        await SignInAsync(page, "not-a-key");
        await page.WaitForFunctionAsync("() => document.getElementById('login-error').textContent.includes('unknown API key')", wait);
        await SignInAsync(page, secrets.IngestKey);
        await page.WaitForFunctionAsync("() => document.getElementById('login-error').textContent.includes('needs role')", wait);
        await SignInAsync(page, secrets.ReadKey);
        await page.WaitForFunctionAsync("() => document.getElementById('login').hidden", wait);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#members tr.member')].some(r => r.textContent.includes('Up'))", wait);
        Assert.Equal("live", await Text(page, "connection"));

        var cookie = Assert.Single(await page.GetCookiesAsync(node.BaseUri.ToString() + "dashboard/events"), c => c.Name == "paymentactors-dashboard");
        Assert.True(cookie.HttpOnly);
        Assert.True(cookie.Secure);
        Assert.Equal(SameSite.Strict, cookie.SameSite);
        Assert.Equal("/dashboard", cookie.Path);
        Assert.DoesNotContain("paymentactors-dashboard", await page.EvaluateExpressionAsync<string>("document.cookie"));

        // The cookie opens the event stream and nothing else: not the API's read endpoints, not another sign-in.
        async Task<HttpStatusCode> WithCookie(HttpMethod method, string path)
        {
            using var request = new HttpRequestMessage(method, new Uri(node.BaseUri, path));
            request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            using var response = await anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await WithCookie(HttpMethod.Get, "dashboard/events"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WithCookie(HttpMethod.Get, "accounts/C1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WithCookie(HttpMethod.Get, "metrics"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WithCookie(HttpMethod.Post, "dashboard/session"));

        // Signing out ends the session.
        Assert.Equal(204, await page.EvaluateFunctionAsync<int>("async () => (await fetch('/dashboard/session', { method: 'DELETE' })).status"));
        Assert.False(await page.EvaluateFunctionAsync<bool>("async () => (await (await fetch('/dashboard/session')).json()).signedIn"));
        lock (pageErrors)
        {
            Assert.True(pageErrors.Count == 0, "page errors: " + string.Join("\n", pageErrors));
        }
    }

    private static async Task SignInAsync(IPage page, string key)
    {
        await page.EvaluateFunctionAsync("k => { document.getElementById('login-key').value = k; }", key);
        await page.ClickAsync("#login-submit");
    }

    private static Task<IBrowser> LaunchAsync(params string[] extraArgs) => Puppeteer.LaunchAsync(new LaunchOptions
    {
        Headless = true,
        ExecutablePath = Chromium(),
        // Root in CI containers has no user namespace for the sandbox; /dev/shm is small there.
        Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", .. extraArgs],
    });

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
