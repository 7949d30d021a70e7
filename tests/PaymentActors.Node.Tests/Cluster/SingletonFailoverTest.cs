using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PaymentActors.Domain.Windows;
using PaymentActors.Node.Tests.Harness;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>Kill -9 the node hosting the window collector mid-stream: results equal an offline recompute, none lost, none changed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SingletonFailoverTest(PostgresServer postgres)
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Window_results_after_the_collector_node_is_killed_equal_an_offline_recompute()
    {
        // Three nodes: with two, keep-majority cannot tell a crash from a partition and may down the survivor.
        await using var cluster = await ClusterHarness.StartAsync(postgres, "failover_" + Guid.NewGuid().ToString("N")[..8], 3);
        var collectorNode = cluster.Nodes[0]; // the oldest hosts the singletons
        var ingestNode = cluster.Nodes[1];
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        // Three hours of CASH_IN, one every 10 s: all applied (a velocity flag still applies).
        var events = Enumerable.Range(0, 1080).Select(i => (Id: $"f{i}", Account: $"F{i % 50}", Amount: 100L + i, Time: Start.AddSeconds(10 * i))).ToList();
        string Body(IEnumerable<(string Id, string Account, long Amount, DateTimeOffset Time)> part) => string.Join("\n", part.Select(e =>
            JsonSerializer.Serialize(new { id = e.Id, account = e.Account, type = "CASH_IN", amount = e.Amount.ToString(), currency = "EUR", timestamp = e.Time.ToString("O") }))) + "\n";

        // As the API asks of a client: while accounts are unreachable (their shards on the killed node, until it is
        // downed and they move) the answer is "journal unavailable" — send the same ids again after Retry-After.
        async Task Ingest(IEnumerable<(string, string, long, DateTimeOffset)> part)
        {
            var body = Body(part);
            string[] lines = [];
            for (var attempt = 0; attempt < 20; attempt++)
            {
                using var response = await http.PostAsync($"http://127.0.0.1:{ingestNode.HttpPort}/transactions",
                    new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
                lines = (await response.Content.ReadAsStringAsync()).Trim().Split('\n');
                if (!lines[^1].Contains("\"error\":\"journal unavailable\"", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            }

            Assert.Contains("\"rejected\":0", lines[^1]);
        }

        await Ingest(events.Take(600)); // hour 0 fires (watermark = max event time − 5 min)
        collectorNode.Kill();
        await Ingest(events.Skip(600)); // partials go to a collector that is down or moving: buffered, resent
        collectorNode.Start();
        // The restarted node first: right after the kill a survivor may still count the dead incarnation as Up.
        await collectorNode.WaitForUpMembersAsync(3, TimeSpan.FromSeconds(90));
        await ingestNode.WaitForUpMembersAsync(3, TimeSpan.FromSeconds(90));

        // Offline recompute of the final hourly totals: hours 0 and 1 (hour 2 is still open: no watermark past it).
        var expected = events.GroupBy(e => e.Time.ToUnixTimeMilliseconds() / NamedWindow.Hour * NamedWindow.Hour)
            .Where(g => g.Key < Start.AddHours(2).ToUnixTimeMilliseconds())
            .ToDictionary(g => g.Key, g => (Count: (long)g.Count(), Sum: g.Sum(e => e.Amount) * 100)); // "100" EUR = 10,000 cents

        Dictionary<long, (long Count, long Sum)> actual = [];
        for (var attempt = 0; attempt < 120 && !expected.All(kv => actual.TryGetValue(kv.Key, out var a) && a == kv.Value); attempt++)
        {
            await Task.Delay(500);
            try
            {
                var results = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{ingestNode.HttpPort}/windows?window=hourly&key=all/EUR");
                actual = results.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("start").GetInt64(),
                    r => (r.GetProperty("count").GetInt64(), r.GetProperty("sumMinor").GetInt64()));
            }
            catch (HttpRequestException)
            {
                // the singleton may still be moving
            }
        }

        foreach (var (start, value) in expected)
        {
            Assert.True(actual.TryGetValue(start, out var got), $"window {start} missing; have {string.Join(", ", actual.Keys)}");
            Assert.Equal(value, got);
        }

        // No revision was ever written twice with different values, on either node.
        var written = cluster.Nodes.Select(n => Path.Combine(n.DataDirectory, "window-results.jsonl")).Where(File.Exists)
            .SelectMany(File.ReadLines).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(written);
        foreach (var group in written.GroupBy(r => (r.GetProperty("window").GetString(), r.GetProperty("key").GetString(),
                     r.GetProperty("start").GetInt64(), r.GetProperty("revision").GetInt32())))
        {
            Assert.Single(group.Select(r => (r.GetProperty("count").GetInt64(), r.GetProperty("sumMinor").GetInt64())).Distinct());
        }
    }
}
