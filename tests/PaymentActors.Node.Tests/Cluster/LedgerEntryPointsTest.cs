using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PaymentActors.Node.Tests.Harness;
using Xunit.Abstractions;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// Alerts and windows whatever the entry point: transactions entered with the <c>submit</c> verb (a client node, no
/// ingestion pipeline) reach the windows and the alert store; and killing the alert collector's node with SIGKILL
/// during a burst of flagged transactions loses no alert (the store equals the journal's flagged and risk-declined decisions).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LedgerEntryPointsTest(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Transactions_entered_with_submit_appear_in_the_windows_and_their_alerts_in_the_store()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, "submitwin_" + Guid.NewGuid().ToString("N")[..8], 1);
        var node = cluster.Nodes[0];

        // Hour 0: three CASH_IN of 2.50 EUR on one account; then one in hour 2, which moves the watermark past hour 0.
        (string Id, int Minute)[] submissions = [("s1", 0), ("s2", 10), ("s3", 20), ("s4", 130)];
        foreach (var (id, minute) in submissions)
        {
            var result = await ProcessRunner.Cli("submit", "--id", id, "--account", "S1", "--type", "CASH_IN", "--amount", "2.50", "--currency", "EUR",
                "--time", Start.AddMinutes(minute).ToUnixTimeMilliseconds().ToString(), "--contact", node.Address);
            Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
            Assert.Contains("\"status\":\"Approved\"", result.Stdout);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var hour0 = Start.ToUnixTimeMilliseconds();
        JsonElement? result0 = null;
        var deadline = Stopwatch.StartNew();
        while (result0 is null && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var results = JsonDocument.Parse(await http.GetStringAsync($"{node.HttpBase}/windows?window=hourly&key=all/EUR")).RootElement;
            result0 = results.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("start").GetInt64() == hour0).Cast<JsonElement?>().LastOrDefault();
            await Task.Delay(500);
        }

        Assert.True(result0 is not null, "no hourly result for hour 0 of the submitted transactions");
        Assert.Equal(3, result0.Value.GetProperty("count").GetInt64());
        Assert.Equal(750, result0.Value.GetProperty("sumMinor").GetInt64());

        // A burst through submit trips the velocity rule (more than 5 in 10 minutes): those alerts reach the store too.
        for (var i = 0; i < 7; i++)
        {
            var result = await ProcessRunner.Cli("submit", "--id", $"b{i}", "--account", "S2", "--type", "CASH_IN", "--amount", "1", "--currency", "EUR",
                "--time", Start.AddSeconds(i).ToUnixTimeMilliseconds().ToString(), "--contact", node.Address);
            Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        }

        var (decisions, stored) = await PostgresJournal.AwaitAlertsMatchJournalAsync(cluster.ConnectionString, TimeSpan.FromSeconds(60));
        Assert.NotEmpty(decisions);
        Assert.Equal(decisions.Order(), stored.Order());
    }

    [Fact]
    public async Task No_alert_is_lost_when_the_alert_collector_node_is_killed_during_a_burst_of_flagged_transactions()
    {
        // Three nodes: with two, keep-majority cannot tell a crash from a partition and may down the survivor.
        await using var cluster = await ClusterHarness.StartAsync(postgres, "alertkill_" + Guid.NewGuid().ToString("N")[..8], 3);
        var collectorNode = cluster.Nodes[0]; // the oldest hosts the singletons
        var ingestNode = cluster.Nodes[1];
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        // 40 accounts, one record per second of event time: every account passes 5 transactions in 10 minutes, so most are flagged.
        var next = 0;
        string Batch(int size)
        {
            var body = new StringBuilder();
            for (var k = 0; k < size; k++)
            {
                var i = Interlocked.Increment(ref next);
                body.Append(JsonSerializer.Serialize(new { id = $"k{i}", account = $"K{i % 40}", type = "CASH_IN", amount = "1.00", currency = "EUR",
                    timestamp = Start.AddSeconds(i).ToString("O") })).Append('\n');
            }

            return body.ToString();
        }

        async Task PostAsync()
        {
            try
            {
                var response = await http.PostAsync($"{ingestNode.HttpBase}/transactions", new StringContent(Batch(100), Encoding.UTF8, "application/x-ndjson"));
                await response.Content.ReadAsStringAsync(); // answers do not matter here: the journal is the reference
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                output.WriteLine($"a burst request failed: {e.Message}");
            }
        }

        using var stop = new CancellationTokenSource();
        var burst = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await PostAsync();
            }
        })).ToList();

        // Kill the collector's node once alerts are flowing into the store.
        var flowing = Stopwatch.StartNew();
        while ((await PostgresJournal.StoredAlertIdsAsync(cluster.ConnectionString)).Count < 50)
        {
            Assert.True(flowing.Elapsed < TimeSpan.FromSeconds(90), "no alert reached the store before the kill");
            await Task.Delay(200);
        }

        collectorNode.Kill();
        output.WriteLine($"killed {collectorNode.Name} with {next} records sent");
        await Task.Delay(TimeSpan.FromSeconds(10)); // the burst goes on while the collector is down or moving
        collectorNode.Start();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await Task.WhenAll(burst);
        await collectorNode.WaitForUpMembersAsync(3, TimeSpan.FromSeconds(90));

        var (decisions, stored) = await PostgresJournal.AwaitAlertsMatchJournalAsync(cluster.ConnectionString, TimeSpan.FromSeconds(120));
        output.WriteLine($"{next} records sent; {decisions.Count} flagged or risk-declined decisions in the journal; {stored.Count} alerts stored");
        Assert.True(decisions.Count > 100, $"only {decisions.Count} alert decisions: the burst did not run");
        Assert.Empty(decisions.Except(stored)); // none lost
        Assert.Empty(stored.Except(decisions)); // none invented
        Assert.Equal(stored.Count, stored.Distinct().Count());

        // The collector's own count (what /alerts answers) agrees.
        var total = JsonDocument.Parse(await http.GetStringAsync($"{ingestNode.HttpBase}/alerts?limit=1")).RootElement.GetProperty("total").GetInt64();
        Assert.Equal(decisions.Count, total);
    }
}
