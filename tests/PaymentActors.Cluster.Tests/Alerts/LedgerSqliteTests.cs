using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ledger;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Risk;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Tests.Alerts;

/// <summary>Alerts and windows of transactions that bypass the ingestion graph (<see cref="PaymentsClient"/>), on the real SQLite journal.</summary>
public sealed class LedgerSqliteTests : IDisposable
{
    private const long Minute = 60_000;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-ledger-" + Guid.NewGuid().ToString("N"));

    private PaymentsNodeSettings Settings => new() { Port = 0, Database = DatabaseKind.Sqlite, DataDirectory = _directory };

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open is left to the temp directory's clean-up
        }
    }

    private static bool IsAlert(TransactionOutcome o) => o.Status == TransactionStatus.Flagged || o.Code == RejectCode.RiskDeclined;

    /// <summary>Six or more transactions of one account within 10 minutes: the default velocity rule flags from the sixth.</summary>
    private static async Task<int> BurstAsync(PaymentsClient client, string account, int count, long startMs)
    {
        var alerts = 0;
        for (var i = 0; i < count; i++)
        {
            alerts += IsAlert(await client.SubmitAsync(new TransactionRequest($"{account}-{i}", account, TransactionType.CashIn, 1_000 + i, "EUR", null,
                startMs + i * 1_000))) ? 1 : 0;
        }

        return alerts;
    }

    private static async Task<long> AwaitAlertTotalAsync(SingleNode node, long expected)
    {
        var collector = await node.Registry.GetAsync<AlertCollector>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long total;
        while ((total = (await collector.Ask<AlertsReply>(new GetAlerts(null, long.MinValue, long.MaxValue, 1), TimeSpan.FromSeconds(10))).Total) != expected
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        return total;
    }

    [Fact]
    public async Task Alerts_of_client_submissions_come_from_the_journal_and_decisions_while_the_node_was_down_are_read_after_its_restart()
    {
        int expected;
        await using (var node = await SingleNode.StartAsync(Settings, new RiskRulesHolder(RuleSet.Default)))
        {
            var client = new PaymentsClient(node.Region, TimeSpan.FromSeconds(30));
            expected = await BurstAsync(client, "V1", 10, 0);
            Assert.True(expected >= 4, $"{expected} alerts from a burst of 10: the velocity rule did not fire");
            Assert.Equal(expected, await AwaitAlertTotalAsync(node, expected));

            // The journal read directly: account events in increasing offsets, and a read after an offset starts after it.
            var materializer = node.System.Materializer();
            var read = LedgerJournal.Sql(node.System);
            var all = await read(0).Where(e => e.Event is not null).Take(11).RunWith(Sink.Seq<LedgerEvent>(), materializer)
                .WaitAsync(TimeSpan.FromSeconds(30));
            Assert.IsType<AccountOpened>(all[0].Event);
            Assert.All(all, e => Assert.Equal("V1", e.AccountId));
            Assert.Equal(all.Select(e => e.Offset).Order(), all.Select(e => e.Offset));
            var after = await read(all[4].Offset).Where(e => e.Event is not null).Take(1).RunWith(Sink.First<LedgerEvent>(), materializer)
                .WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(all[5].Offset, after.Offset);
        }

        await using (var node = await SingleNode.StartAsync(Settings, new RiskRulesHolder(RuleSet.Default)))
        {
            var client = new PaymentsClient(node.Region, TimeSpan.FromSeconds(30));
            expected += await BurstAsync(client, "V2", 8, 0);
            Assert.Equal(expected, await AwaitAlertTotalAsync(node, expected));
        }
    }

    [Fact]
    public async Task Client_submissions_are_counted_in_the_windows()
    {
        var windows = new NodeWindows();
        await using var node = await SingleNode.StartAsync(Settings, RiskRulesHolder.None(), windows);
        var client = new PaymentsClient(node.Region, TimeSpan.FromSeconds(30));

        // Hour 0: 4 CASH_IN of 10.00 EUR and one PAYMENT declined for funds; then one in hour 2 moves the watermark past hour 0.
        for (var i = 0; i < 4; i++)
        {
            await client.SubmitAsync(new TransactionRequest($"w{i}", "W1", TransactionType.CashIn, 1_000, "EUR", null, i * 10 * Minute));
        }

        var declined = await client.SubmitAsync(new TransactionRequest("w-big", "W1", TransactionType.Payment, 1_000_000, "EUR", "M1", 45 * Minute));
        Assert.Equal(TransactionStatus.Declined, declined.Status);
        await client.SubmitAsync(new TransactionRequest("w-late", "W1", TransactionType.CashIn, 1_000, "EUR", null, 150 * Minute));

        var collector = await node.Registry.GetAsync<WindowCollector>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        IReadOnlyList<Domain.Windows.WindowResult> hour0 = [];
        while (DateTime.UtcNow < deadline)
        {
            hour0 = (await collector.Ask<WindowResults>(new GetWindowResults("hourly", null, 0, 1), TimeSpan.FromSeconds(10))).Results;
            if (hour0.Any(r => r.Key == "all/EUR") && hour0.Any(r => r.Key == "decision:declined/EUR"))
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal(4, hour0.Where(r => r.Key == "all/EUR").MaxBy(r => r.Revision)?.Count);
        Assert.Equal(4_000, hour0.Where(r => r.Key == "all/EUR").MaxBy(r => r.Revision)?.Sum);
        Assert.Equal(1, hour0.Where(r => r.Key == "decision:declined/EUR").MaxBy(r => r.Revision)?.Count);
    }
}
