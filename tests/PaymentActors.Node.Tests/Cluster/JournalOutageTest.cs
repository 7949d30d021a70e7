using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using PaymentActors.Node.Tests.Harness;
using Xunit.Abstractions;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// PostgreSQL crash-stopped (<c>pg_ctl stop -m immediate</c>) for 30 s under a steady HTTP load on one node, then started
/// again: requests in flight get a retryable answer within a bounded time (never a bare 500), the node serves again
/// within seconds of the database without a restart, the singletons are alive, and after clients retry what was
/// Unknown every acknowledged transaction is applied exactly once; the alert store holds exactly the flagged and
/// risk-declined decisions of the journal, and the hourly window equals a recompute from the journal.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class JournalOutageTest(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Accounts = 5;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    private sealed record Sent(string Id, string Account);

    [Fact]
    public async Task A_database_outage_gets_retryable_answers_in_bounded_time_and_service_resumes_without_a_restart()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, "outage_" + Guid.NewGuid().ToString("N")[..8], 1);
        var node = cluster.Nodes[0];
        var url = $"http://127.0.0.1:{node.HttpPort}";
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        var acknowledged = new ConcurrentDictionary<string, Sent>();
        var unknown = new ConcurrentDictionary<string, Sent>();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var slowest = TimeSpan.Zero;
        var problems = new ConcurrentQueue<string>();
        var next = 0;
        var everUnknown = new ConcurrentDictionary<string, bool>();

        void MarkUnknown(Sent s)
        {
            unknown.TryAdd(s.Id, s);
            everUnknown.TryAdd(s.Id, true);
        }

        string Line(Sent s) => JsonSerializer.Serialize(new { id = s.Id, account = s.Account, type = "CASH_IN", amount = "1.00", currency = "EUR",
            timestamp = "2026-01-01T00:00:00Z" }) + "\n";

        // One request of 20 records; records land in acknowledged (Approved/Flagged), unknown (retry), or problems.
        async Task<bool> Post(IReadOnlyList<Sent> batch)
        {
            var watch = Stopwatch.StartNew();
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync($"{url}/transactions", new StringContent(string.Concat(batch.Select(Line)), Encoding.UTF8, "application/x-ndjson"));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                problems.Enqueue($"no answer after {watch.Elapsed.TotalSeconds:F1} s: {e.Message}");
                foreach (var s in batch)
                {
                    MarkUnknown(s);
                }

                return false;
            }

            if (watch.Elapsed > slowest)
            {
                slowest = watch.Elapsed;
            }

            statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            var body = await response.Content.ReadAsStringAsync();
            var byId = batch.ToDictionary(s => s.Id);
            var allApplied = true;
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement))
                    {
                        if (!line.TryGetProperty("transactionId", out var id) || !byId.TryGetValue(id.GetString()!, out var sent))
                        {
                            continue;
                        }

                        switch (line.GetProperty("status").GetString())
                        {
                            case "Approved" or "Flagged":
                                acknowledged.TryAdd(sent.Id, sent);
                                unknown.TryRemove(sent.Id, out _);
                                break;
                            case "Unknown":
                                allApplied = false;
                                Assert.StartsWith("journal unavailable", line.GetProperty("reason").GetString());
                                MarkUnknown(sent);
                                break;
                            case var other:
                                problems.Enqueue($"{sent.Id}: unexpected status {other}: {line}");
                                break;
                        }
                    }

                    break;
                case HttpStatusCode.ServiceUnavailable:
                    allApplied = false;
                    Assert.NotNull(response.Headers.RetryAfter?.Delta);
                    Assert.Equal("journal unavailable", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
                    foreach (var s in batch)
                    {
                        MarkUnknown(s);
                    }

                    break;
                case HttpStatusCode.TooManyRequests:
                    allApplied = false; // nothing read: sent again below as new records would be wrong, so they count as unknown
                    foreach (var s in batch)
                    {
                        MarkUnknown(s);
                    }

                    break;
                default:
                    problems.Enqueue($"HTTP {(int)response.StatusCode} after {watch.Elapsed.TotalSeconds:F1} s: {body}");
                    allApplied = false;
                    foreach (var s in batch)
                    {
                        MarkUnknown(s);
                    }

                    break;
            }

            return allApplied;
        }

        IReadOnlyList<Sent> NewBatch() => Enumerable.Range(0, 20).Select(_ =>
        {
            var n = Interlocked.Increment(ref next);
            return new Sent($"o{n}", $"OUT{n % Accounts}");
        }).ToList();

        // Steady load from two clients until told to stop.
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Post(NewBatch());
                await Task.Delay(100);
            }
        })).ToList();

        var warmUp = Stopwatch.StartNew();
        while (acknowledged.Count < 200)
        {
            Assert.True(warmUp.Elapsed < TimeSpan.FromSeconds(90), $"only {acknowledged.Count} acknowledged before the outage: {string.Join("\n", problems.Take(5))}");
            await Task.Delay(200);
        }

        await postgres.StopImmediatelyAsync();
        var down = Stopwatch.StartNew();
        await Task.Delay(Outage);
        await postgres.RestartAsync();
        var up = Stopwatch.StartNew();
        output.WriteLine($"database down for {down.Elapsed.TotalSeconds:F1} s");

        // Serving again: a fresh request fully applied, measured from the moment the database accepts connections.
        TimeSpan? recovered = null;
        while (up.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await Post(NewBatch()))
            {
                recovered = up.Elapsed;
                break;
            }

            await Task.Delay(200);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(load);
        output.WriteLine($"recovered {recovered?.TotalSeconds:F1} s after the database; slowest answer {slowest.TotalSeconds:F1} s; " +
                         $"statuses {string.Join(", ", statuses.Select(p => $"{(int)p.Key}×{p.Value}"))}; acknowledged {acknowledged.Count}, unknown {unknown.Count}");
        Assert.True(problems.IsEmpty, string.Join("\n", problems.Take(10)));
        Assert.NotNull(recovered);
        // Typically 2–6 s; a recovery that hangs on a connection opened while the database restarts is cut at 15 s.
        Assert.True(recovered < TimeSpan.FromSeconds(20), $"served again only {recovered?.TotalSeconds:F1} s after the database was back");
        // Every answer within a bounded time: the delivery deadline (15 s) plus its resend granularity, and load.
        Assert.True(slowest < TimeSpan.FromSeconds(40), $"an answer took {slowest.TotalSeconds:F1} s");
        Assert.Contains(statuses.Keys, k => k == HttpStatusCode.ServiceUnavailable);

        // Clients retry what was Unknown with the same ids until answered.
        var retryDeadline = Stopwatch.StartNew();
        while (!unknown.IsEmpty)
        {
            Assert.True(retryDeadline.Elapsed < TimeSpan.FromMinutes(2), $"{unknown.Count} records still unknown");
            foreach (var chunk in unknown.Values.Chunk(20))
            {
                await Post(chunk);
            }

            await Task.Delay(200);
        }

        // Exactly once: each account's balance is one euro per acknowledged id, no more, no less.
        foreach (var account in acknowledged.Values.GroupBy(s => s.Account))
        {
            var view = JsonDocument.Parse(await http.GetStringAsync($"{url}/accounts/{account.Key}")).RootElement;
            Assert.Equal(account.Count() * 100L, view.GetProperty("balanceMinor").GetInt64());
        }

        // The persistent singletons came back by themselves (they died for good before backoff supervision).
        var singletonsDeadline = Stopwatch.StartNew();
        while (true)
        {
            var alerts = await http.GetAsync($"{url}/alerts?limit=1");
            var windows = await http.GetAsync($"{url}/windows/status");
            if (alerts.IsSuccessStatusCode && windows.IsSuccessStatusCode)
            {
                break;
            }

            Assert.True(singletonsDeadline.Elapsed < TimeSpan.FromSeconds(30), $"/alerts {(int)alerts.StatusCode}, /windows/status {(int)windows.StatusCode}");
            await Task.Delay(500);
        }

        // Alerts: exactly the journal's flagged and risk-declined decisions, none lost while the collector was down, none twice.
        var (decisions, stored) = await PostgresJournal.AwaitAlertsMatchJournalAsync(cluster.ConnectionString, TimeSpan.FromSeconds(90));
        output.WriteLine($"{decisions.Count} flagged or risk-declined decisions in the journal, {stored.Count} alerts stored");
        Assert.NotEmpty(decisions);
        Assert.Empty(decisions.Except(stored));
        Assert.Empty(stored.Except(decisions));

        // Windows: a record two hours later moves the watermark past hour 0, whose result must equal a recompute of the
        // journal's applied transactions of that hour: windows are computed from the journal, so a decision that became
        // durable while its answer was lost is counted too, once, and nothing is counted twice.
        var closing = JsonSerializer.Serialize(new { id = "o-close2", account = "OUTCLOSE", type = "CASH_IN", amount = "1.00", currency = "EUR",
            timestamp = "2026-01-01T02:00:00Z" }) + "\n";
        (await http.PostAsync($"{url}/transactions", new StringContent(closing, Encoding.UTF8, "application/x-ndjson"))).EnsureSuccessStatusCode();
        var hour0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var applied = (await PostgresJournal.ReadAccountEventsAsync(cluster.ConnectionString)).Values.SelectMany(e => e)
            .OfType<PaymentActors.Domain.Accounts.TransactionApproved>()
            .Where(a => a.EventTimeMs >= hour0 && a.EventTimeMs < hour0 + 3_600_000).ToList();
        (long Count, long Sum) expected = (applied.Count, applied.Sum(a => a.AmountMinor));
        (long Count, long Sum) actual = (0, 0);
        var windowsDeadline = Stopwatch.StartNew();
        while (actual != expected && windowsDeadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(500);
            var results = JsonDocument.Parse(await http.GetStringAsync($"{url}/windows?window=hourly&key=all/EUR")).RootElement.GetProperty("results").EnumerateArray()
                .Where(r => r.GetProperty("start").GetInt64() == hour0).ToList();
            if (results.Count > 0)
            {
                var latest = results.MaxBy(r => r.GetProperty("revision").GetInt32());
                actual = (latest.GetProperty("count").GetInt64(), latest.GetProperty("sumMinor").GetInt64());
            }
        }

        output.WriteLine($"hour 0: journal {expected}, window {actual}; records ever answered Unknown or 503: {everUnknown.Count}");
        Assert.Equal(expected, actual);
        Assert.True(node.IsRunning);
    }
}
