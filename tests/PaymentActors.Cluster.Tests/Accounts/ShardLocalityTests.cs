using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Testing;

namespace PaymentActors.Cluster.Tests.Accounts;

/// <summary>
/// Two in-process nodes over real remoting: the locality counters of node A agree with where the shard regions
/// themselves say the shards live (each region's own <see cref="GetShardRegionState"/>).
/// </summary>
public sealed class ShardLocalityTests : IAsyncLifetime
{
    private HostedAkka _a = null!;
    private HostedAkka _b = null!;

    public async Task InitializeAsync()
    {
        var portA = Ports.FreeTcpPort();
        var seed = $"akka.tcp://payments@127.0.0.1:{portA}";
        _a = await StartNode(portA, seed);
        _b = await StartNode(Ports.FreeTcpPort(), seed);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var region = await _a.Registry.GetAsync<AccountRegion>();
        // Both nodes Up, and both regions registered with the coordinator, before anything is allocated.
        while (Akka.Cluster.Cluster.Get(_a.System).State.Members.Count(m => m.Status == MemberStatus.Up) < 2
               || (await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, TimeSpan.FromSeconds(5))).Regions.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the two nodes did not form a cluster within 30 s");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Fact]
    public async Task Deliveries_and_credits_are_counted_local_or_remote_as_the_regions_host_the_shards()
    {
        var regionA = await _a.Registry.GetAsync<AccountRegion>();
        var regionB = await _b.Registry.GetAsync<AccountRegion>();
        var locality = new ShardLocality();
        _a.System.ActorOf(ShardLocalityRefresher.Props(regionA, locality, TimeSpan.FromMilliseconds(200)), "shard-locality");
        var client = new PaymentsClient(regionA, TimeSpan.FromSeconds(20));

        // Delivered from node A; the first touches allocate shards, so some are recorded before their home is known.
        var accounts = Enumerable.Range(0, 200).Select(i => $"L{i}").ToList();
        foreach (var account in accounts)
        {
            var request = new TransactionRequest($"open-{account}", account, TransactionType.CashIn, 10_000, "USD", null, 1);
            locality.RecordDelivery(request, await client.SubmitAsync(request));
        }

        var onA = await HostedShards(regionA);
        var onB = await HostedShards(regionB);
        Assert.Empty(onA.Intersect(onB));
        var expectedRemote = accounts.Count(a => onB.Contains(locality.ShardOf(a)));
        var expectedLocal = accounts.Count(a => onA.Contains(locality.ShardOf(a)));
        Assert.Equal(accounts.Count, expectedLocal + expectedRemote);
        Assert.True(expectedRemote > 0 && expectedLocal > 0, $"both nodes host shards: {expectedLocal} local, {expectedRemote} remote");

        var report = await Eventually(() => locality.Read(), r => r.Deliveries.Pending == 0 && r.ShardsKnown >= onA.Count + onB.Count);
        Assert.Equal(new ShardLocalityCounts(expectedLocal, expectedRemote, 0), report.Deliveries);
        Assert.Equal(Akka.Cluster.Cluster.Get(_a.System).SelfAddress.ToString(), report.Self);
        Assert.Equal(onA.Count, report.ShardsLocal);
        Assert.Equal(2, report.ShardsByNode.Count);
        Assert.Equal(ShardPlacement.Remote, locality.PlacementOf(accounts.First(a => onB.Contains(locality.ShardOf(a)))));

        // Credits: an applied transfer sends a credit from the payer's shard to the payee's shard.
        var payer = accounts.First(a => onA.Contains(locality.ShardOf(a)));
        var remotePayee = accounts.First(a => onB.Contains(locality.ShardOf(a)));
        var localPayee = accounts.First(a => a != payer && onA.Contains(locality.ShardOf(a)));
        var transfers = new[]
        {
            new TransactionRequest("x-remote", payer, TransactionType.Transfer, 100, "USD", remotePayee, 2),
            new TransactionRequest("x-local", payer, TransactionType.Transfer, 100, "USD", localPayee, 3),
            new TransactionRequest("x-declined", payer, TransactionType.Transfer, 1_000_000, "USD", remotePayee, 4), // beyond the balance: no credit
            new TransactionRequest("x-remote", payer, TransactionType.Transfer, 100, "USD", remotePayee, 2), // a repeat: no second credit
        };
        var outcomes = new List<TransactionOutcome>();
        foreach (var transfer in transfers)
        {
            var outcome = await client.SubmitAsync(transfer);
            outcomes.Add(outcome);
            locality.RecordDelivery(transfer, outcome);
        }

        Assert.Equal([true, true, false, true], outcomes.Select(o => o.IsApplied));
        Assert.True(outcomes[3].IsDuplicate);
        report = locality.Read();
        Assert.Equal(new ShardLocalityCounts(1, 1, 0), report.Credits);
        Assert.Equal(new ShardLocalityCounts(expectedLocal + 4, expectedRemote, 0), report.Deliveries);
    }

    private static async Task<HashSet<string>> HostedShards(IActorRef region) =>
        (await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5))).Shards.Select(s => s.ShardId).ToHashSet();

    private static async Task<T> Eventually<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var value = read();
        while (!done(value))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within 15 s: {value}");
            await Task.Delay(100);
            value = read();
        }

        return value;
    }

    private static Task<HostedAkka> StartNode(int port, string seed) => HostedAkka.StartAsync(b => b
        .WithPaymentsNode(new PaymentsNodeSettings { Port = port, Seeds = [seed], Database = DatabaseKind.Memory, ClusterIdentityOverride = "shard-locality-test" }, RiskRulesHolder.None())
        .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend));
}
