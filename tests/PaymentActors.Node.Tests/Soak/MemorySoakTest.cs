using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using PaymentActors.Node.Tests.Observability;
using Xunit.Abstractions;

namespace PaymentActors.Node.Tests.Soak;

/// <summary>
/// A bounded soak of one SQLite node: a fixed amount of HTTP ingest sent faster than the node sustains it (many
/// concurrent clients that retry a 429 at once; it takes 15–60 s depending on the machine), then 120 s idle. RSS (/proc/PID/status VmRSS) and the database's size (payments.db + -wal) are
/// sampled every few seconds and printed as a table; the test asserts that memory plateaus (≤ 1 GB with the defaults)
/// and comes back toward its baseline while idle, and that the database grows with the durable decisions, not faster.
/// </summary>
public sealed class MemorySoakTest(ITestOutputHelper output)
{
    private const int Clients = 32;
    private const int RecordsPerRequest = 1_000;

    /// <summary>
    /// Requests each client sends (not a duration): an account remembers the ids it decided (its idempotency
    /// retention), so memory under load grows with the decisions made, by design, until accounts passivate. A fixed
    /// amount of work makes the peak the same on a fast machine and a slow one; 60 s of load on a fast CI machine made
    /// 660k decisions and a peak of 1.3 GB, on a quiet 2-core machine 265k and 1.06 GB.
    /// </summary>
    private const int RequestsPerClient = 4;
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Accounts each client writes to. Memory under load is mostly the loaded accounts (≈ 8 KB each until they passivate,
    /// docs/PERFORMANCE.md): 32 × 1,000 accounts plateau well under the limit; 32 × 2,000 peaked at 1.06 GB on a quiet
    /// machine, which is what the per-account memory target of the performance work is about.
    /// </summary>
    private const int AccountsPerClient = 1_000;
    private const long MaxRssBytes = 1L << 30;
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(3);

    // Event times from a day ago, 50 ms apart in the order generated: the windows keep firing, nothing nears the future bound.
    private readonly long _origin = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();
    private long _eventTime;

    private sealed record Sample(double AtSeconds, string Phase, long RssBytes, long DbBytes, long Decided, long Throttled, double AlertBacklog, double WindowBacklog);

    [Fact]
    public async Task Under_overload_then_two_minutes_idle_memory_plateaus_and_returns_and_the_database_grows_with_the_decisions()
    {
        await using var node = SingleNodeProcess.Start();
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var baseline = Rss(node.ProcessId);
        var samples = new List<Sample>();
        long decided = 0, throttled = 0, unknown = 0;
        var clock = Stopwatch.StartNew();

        async Task<Sample> TakeAsync(string phase)
        {
            var metrics = await node.GetAsync("metrics");
            var parsed = metrics is { Status: 200 } m ? PrometheusText.Parse(m.Body) : [];
            // Decisions as the node counts them: also those whose answer came too late for the client (answered Unknown).
            var nodeDecided = (long)parsed.Where(p => p.Key.StartsWith("payments_transactions_decided_total", StringComparison.Ordinal)).Sum(p => p.Value);
            return new Sample(clock.Elapsed.TotalSeconds, phase, Rss(node.ProcessId), DatabaseBytes(node.DataDirectory), nodeDecided,
                Interlocked.Read(ref throttled), parsed.GetValueOrDefault("payments_alerts_collector_backlog"), parsed.GetValueOrDefault("payments_windows_collector_backlog"));
        }

        using var stop = new CancellationTokenSource(MaxLoad); // a node that stops answering must not hang the test
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var clients = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var request = 0;
            string? pending = null; // a body refused with 429 is sent again as it is
            while (!stop.IsCancellationRequested && (pending is not null || request < RequestsPerClient))
            {
                pending ??= Body(client, request++);
                try
                {
                    using var response = await http.PostAsync(new Uri(node.BaseUri, "transactions"),
                        new StringContent(pending, Encoding.UTF8, "application/x-ndjson"), CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref throttled);
                        await Task.Delay(50); // over the limit on purpose: back at once, not after Retry-After
                        continue;
                    }

                    pending = null;
                    var answers = await response.Content.ReadAsStringAsync();
                    Interlocked.Add(ref decided, Count(answers, "\"status\":\"Approved\"") + Count(answers, "\"status\":\"Flagged\"") + Count(answers, "\"status\":\"Declined\""));
                    Interlocked.Add(ref unknown, Count(answers, "\"status\":\"Unknown\""));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    pending = null;
                    // a request cut by the node under overload: its records were answered or not applied
                }
            }
        })).ToList();

        var load = Task.WhenAll(clients);
        while (!load.IsCompleted)
        {
            samples.Add(await TakeAsync("load"));
            await Task.WhenAny(load, Task.Delay(Every));
        }

        await load;
        Assert.False(stop.IsCancellationRequested, $"the load did not finish within {MaxLoad.TotalSeconds:F0} s");
        var loadEnd = samples.Count;
        var idleUntil = clock.Elapsed + Idle;
        while (clock.Elapsed < idleUntil)
        {
            samples.Add(await TakeAsync("idle"));
            await Task.Delay(Every);
        }

        samples.Add(await TakeAsync("idle"));
        output.WriteLine($"baseline RSS {Mb(baseline)} MB; {Clients} clients × {RequestsPerClient} requests × {RecordsPerRequest} records; answered decided {decided:N0}, unknown {unknown:N0}, 429s {throttled:N0}");
        output.WriteLine("   t (s) | phase |  RSS (MB) | db+wal (MB) | decided (node) | bytes/decision | alert backlog | window backlog");
        foreach (var s in samples)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.AtSeconds,8:F0} | {s.Phase,-5} | {Mb(s.RssBytes),9} | {Mb(s.DbBytes),11} | {s.Decided,14:N0} | {(s.Decided == 0 ? 0 : s.DbBytes / s.Decided),14:N0} | {s.AlertBacklog,13:N0} | {s.WindowBacklog,14:N0}"));
        }

        var log = node.Output.Split('\n');
        output.WriteLine($"node log: {log.Count(l => l.Contains(" fail: ", StringComparison.Ordinal))} error lines, {log.Count(l => l.Contains(" warn: ", StringComparison.Ordinal))} warnings");
        foreach (var line in log.Where(l => l.Contains("Node idle", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        Assert.True(throttled > 0, "the load never saturated the node (no 429): not an overload");

        // Memory: a plateau under the limit, no growth once idle, and back toward the baseline.
        var peak = samples.Max(s => s.RssBytes);
        Assert.True(peak <= MaxRssBytes, $"RSS peaked at {Mb(peak)} MB, over {Mb(MaxRssBytes)} MB");
        var lateIdle = samples.Where(s => s.AtSeconds >= samples[^1].AtSeconds - 60).ToList(); // the last minute
        var before = samples.Where(s => s.AtSeconds < samples[^1].AtSeconds - 60).Max(s => s.RssBytes);
        Assert.True(lateIdle.Max(s => s.RssBytes) <= before * 1.1, $"RSS grew while idle: {Mb(lateIdle.Max(s => s.RssBytes))} MB in the last minute, {Mb(before)} MB before");
        var end = samples[^1].RssBytes;
        Assert.True(end - baseline <= (peak - baseline) * 0.75,
            $"RSS did not come back toward its baseline: {Mb(end)} MB after {Idle.TotalSeconds:F0} s idle (baseline {Mb(baseline)} MB, peak {Mb(peak)} MB)");

        // Disk: in proportion to the durable decisions (as the node counts them), and idling adds nothing. Half-way
        // through the load and at the end the bytes per decision agree within a factor of two (a square would double
        // them as the count doubles) when half-way saw enough decisions to measure.
        var middle = samples[loadEnd / 2];
        var last = samples[^1];
        Assert.True(last.Decided > 0, "the node decided nothing");
        var perDecisionEnd = last.DbBytes / (double)last.Decided;
        Assert.True(last.DbBytes <= (8 << 10) * last.Decided + (16 << 20), $"{perDecisionEnd:F0} bytes per decision ({Mb(last.DbBytes)} MB for {last.Decided} decisions)");
        if (middle.Decided >= 1_000)
        {
            var perDecisionMiddle = middle.DbBytes / (double)middle.Decided;
            Assert.True(perDecisionEnd <= perDecisionMiddle * 2,
                $"the database grows faster than the decisions: {perDecisionMiddle:F0} bytes per decision half-way, {perDecisionEnd:F0} at the end");
        }

        var loadEndDb = samples.Where(s => s.AtSeconds <= samples[loadEnd].AtSeconds + 30).Max(s => s.DbBytes); // in-flight work settles
        Assert.True(last.DbBytes <= loadEndDb * 1.25 + (8 << 20),
            $"the database grew while idle: {Mb(loadEndDb)} MB just after the load, {Mb(last.DbBytes)} MB after idling");
    }

    /// <summary>One request: <see cref="AccountsPerClient"/> accounts per client; every tenth record a payment (declined where the balance is short).</summary>
    private string Body(int client, int request)
    {
        var body = new StringBuilder(RecordsPerRequest * 140);
        for (var i = 0; i < RecordsPerRequest; i++)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(_origin + 50 * Interlocked.Increment(ref _eventTime));
            var type = i % 10 == 9 ? "PAYMENT" : "CASH_IN";
            body.Append(CultureInfo.InvariantCulture,
                $$"""{"id":"soak-{{client}}-{{request}}-{{i}}","account":"S{{client}}-{{(request * 37 + i) % AccountsPerClient}}","type":"{{type}}","amount":"1.00","currency":"EUR","timestamp":"{{at:yyyy-MM-ddTHH:mm:ss.fffZ}}"}""")
                .Append('\n');
        }

        return body.ToString();
    }

    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }

    private static long DatabaseBytes(string directory) =>
        new[] { "payments.db", "payments.db-wal" }.Select(f => Path.Combine(directory, f)).Where(File.Exists).Sum(f => new FileInfo(f).Length);

    private static long Count(string text, string what)
    {
        long n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private static long Mb(long bytes) => bytes >> 20;
}
