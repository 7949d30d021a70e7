using System.Diagnostics;
using System.Runtime;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Streams;
using Akka.Streams.Dsl;
using PaymentActors.Bench.Harness;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// Memory per loaded idle account: N accounts touched once each (a CASH_IN opening the account) on a node
/// with the SQLite journal (so the journal's own memory is not counted) and an idle timeout far longer than
/// the measurement (no passivation), then, once every account is loaded and the node is quiet, the managed
/// heap and the process working set after full blocking compacting collections, against the same measured
/// after a warm-up (1,000 other accounts: every shard started, JIT, pools). Both are taken once the accounts have
/// been idle for longer than <see cref="AccountActorSettings.CompactAfter"/>.
/// </summary>
public static class IdleMemoryScenario
{
    public const int TargetBytesPerAccount = 2_048;
    public const int FullAccounts = 1_000_000;
    public const int QuickAccounts = 10_000;
    private const int WarmupAccounts = 1_000;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(1);

    public static async Task<ScenarioResult> RunAsync(int accounts)
    {
        var directory = BenchPaths.NewRunDirectory();
        try
        {
            var settings = new PaymentsNodeSettings
            {
                Port = 0,
                Database = DatabaseKind.Sqlite,
                DataDirectory = directory,
                Accounts = AccountActorSettings.Default with { IdleTimeout = IdleTimeout },
            };
            await using var node = await BenchNode.StartAsync(settings);
            var materializer = node.System.Materializer();

            await TouchAsync(node.Region, materializer, "W", WarmupAccounts);
            await WaitUntilLoadedAndQuietAsync(node.Region, WarmupAccounts);
            await Task.Delay(settings.Accounts.CompactAfter);
            var before = Measure();

            var stopwatch = Stopwatch.StartNew();
            await TouchAsync(node.Region, materializer, "C", accounts);
            var touchRate = accounts / stopwatch.Elapsed.TotalSeconds;
            await WaitUntilLoadedAndQuietAsync(node.Region, WarmupAccounts + accounts);
            await Task.Delay(settings.Accounts.CompactAfter); // idle accounts keep one copy of their state from then on
            var after = Measure();
            var loadedAfter = await LoadedAsync(node.Region);
            if (loadedAfter != WarmupAccounts + accounts)
            {
                throw new InvalidOperationException($"idle-memory: {loadedAfter} accounts loaded after the measurement, expected {WarmupAccounts + accounts} (passivated?)");
            }

            var managed = (after.Heap - before.Heap) / (double)accounts;
            var workingSet = (after.WorkingSet - before.WorkingSet) / (double)accounts;
            var projected = accounts == 1_000_000
                ? after.WorkingSet / 1048576.0
                : (before.WorkingSet + workingSet * 1_000_000) / 1048576.0;
            return new ScenarioResult("idle-memory")
                .Rate(touchRate)
                .NoLatency()
                .Add("accounts", accounts)
                .Add("managed_bytes_per_account", managed, $"{managed:N0} B {(managed <= TargetBytesPerAccount ? "✔" : "✘")} (target ≤ {TargetBytesPerAccount:N0} B)")
                .Add("working_set_bytes_per_account", workingSet, $"{workingSet:N0} B")
                .Add("working_set_1m_accounts_mb", projected, $"{projected:N0} MB {(projected <= 4_096 ? "✔" : "✘")} (target ≤ 4,096 MB; measured at 1M, else before + 1M × per account)")
                .Add("target_bytes_per_account", TargetBytesPerAccount, $"≤ {TargetBytesPerAccount:N0} B managed")
                .Add("managed_heap_before_mb", before.Heap / 1048576.0)
                .Add("managed_heap_after_mb", after.Heap / 1048576.0)
                .Add("working_set_before_mb", before.WorkingSet / 1048576.0)
                .Add("working_set_after_mb", after.WorkingSet / 1048576.0)
                .Add("loaded_after_measurement", loadedAfter)
                .Add("idle_timeout_s", IdleTimeout.TotalSeconds)
                .Note("tx/s", "accounts touched per second (first touch, new accounts)")
                .Note("working set", "coarse: includes what the GC commits and releases (server GC), and SQLite's page cache");
        }
        finally
        {
            BenchPaths.TryDelete(directory);
        }
    }

    /// <summary>One CASH_IN per account (it opens the account), through the ingestion's delivery stage.</summary>
    private static Task TouchAsync(IActorRef region, IMaterializer materializer, string prefix, int accounts) =>
        Source.From(Enumerable.Range(0, accounts).Select(i =>
                new TransactionRequest($"m-{prefix}{i}", $"{prefix}{i}", TransactionType.CashIn, 10_000, "USD", null, 1_767_225_600_000 + i)))
            .Via(LedgerDelivery.Flow(region))
            .RunWith(Sink.Ignore<TransactionOutcome>(), materializer);

    /// <summary>Every outcome is in; wait until the shards report all accounts, twice in a row, then a second more.</summary>
    private static async Task WaitUntilLoadedAndQuietAsync(IActorRef region, int expected)
    {
        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        var stable = 0;
        while (stable < 2)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"idle-memory: {await LoadedAsync(region)} of {expected} accounts loaded after 60 s");
            }

            await Task.Delay(250);
            stable = await LoadedAsync(region) == expected ? stable + 1 : 0;
        }

        await Task.Delay(1_000);
    }

    private static async Task<int> LoadedAsync(IActorRef region)
    {
        var stats = await region.Ask<ShardRegionStats>(GetShardRegionStats.Instance, TimeSpan.FromSeconds(10));
        return stats.Stats.Values.Sum();
    }

    private static (long Heap, long WorkingSet) Measure()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(false), process.WorkingSet64);
    }
}
