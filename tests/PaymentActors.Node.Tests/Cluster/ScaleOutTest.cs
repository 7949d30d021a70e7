using System.Collections.Concurrent;
using System.Text.Json;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Node.Tests.Harness;
using Xunit.Abstractions;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>Start with two nodes, add a third under load: it receives shards, no transaction fails, nothing is lost.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ScaleOutTest(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_joining_under_load_hosts_shards_within_a_minute_without_failed_transactions()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, "scale_" + Guid.NewGuid().ToString("N")[..8], 2);
        await using var client = await TestClient.ConnectAsync(cluster.Seeds, TimeSpan.FromSeconds(5));

        var outcomes = new ConcurrentBag<TransactionOutcome>();
        var failures = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var request = new TransactionRequest($"scale-{worker}-{n}", $"S{(n * 7 + worker) % 300}", TransactionType.CashIn, 100, "USD", null, n);
                try
                {
                    outcomes.Add(await client.Client.SubmitAsync(request));
                }
                catch (Exception e)
                {
                    failures.Add($"{request.TransactionId}: {e.GetType().Name} {e.Message}");
                }
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var joined = DateTime.UtcNow;
        var third = await cluster.AddNodeAsync();

        // Within a minute the new node hosts shards (bounded rebalancing moves a few at a time).
        var shardsOnNew = 0;
        while (DateTime.UtcNow - joined < TimeSpan.FromMinutes(1))
        {
            var status = await ProcessRunner.RunAsync("dotnet", ["exec", RepoPaths.NodeDll, "status", "--insecure", "--contact", cluster.Nodes[0].Address], TimeSpan.FromSeconds(40));
            var json = JsonDocument.Parse(status.Stdout.Trim().Split('\n')[^1]).RootElement;
            shardsOnNew = json.GetProperty("shardsPerNode").TryGetProperty(third.Address, out var count) ? count.GetInt32() : 0;
            if (shardsOnNew > 0)
            {
                break;
            }
        }

        output.WriteLine($"shards on the new node after {(DateTime.UtcNow - joined).TotalSeconds:F0} s: {shardsOnNew}");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.True(shardsOnNew > 0, "the new node received no shard within a minute");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        Assert.All(outcomes, o => Assert.True(o.IsApplied, o.ToString())); // approved, or flagged by a risk rule and applied

        // Nothing lost: every approved credit is in the balances.
        var views = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => client.Client.GetAccountAsync($"S{i}")));
        Assert.Equal(outcomes.Count(o => !o.IsDuplicate) * 100L, views.Sum(v => v.BalanceMinor));
    }
}
