using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Data.Sqlite;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Risk;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Risk;
using PaymentActors.Protocol.Serialization;

namespace PaymentActors.Cluster.Tests.Serialization;

/// <summary>
/// A journal written by the format-1 serializer (Fixtures/README.md) is recovered by today's node: balances,
/// idempotency memory, outboxes, the window collector, the alert collector and the ingestion offset are what
/// they were; new events are then written in format 2 after the old ones and the mixed journal recovers too.
/// </summary>
public sealed class OldJournalRecoveryTests : IDisposable
{
    private static readonly string FixtureDirectory = Path.Combine(AppContext.BaseDirectory, "Serialization", "Fixtures");
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-fixture-" + Guid.NewGuid().ToString("N"));

    public OldJournalRecoveryTests()
    {
        Directory.CreateDirectory(_directory);
        File.Copy(Path.Combine(FixtureDirectory, "journal-format-1.db"), Path.Combine(_directory, "payments.db"));
    }

    // As the fixture was written: the same snapshot interval, import policy, window and rules.
    private PaymentsNodeSettings Settings => new()
    {
        Port = 0,
        Database = DatabaseKind.Sqlite,
        DataDirectory = _directory,
        Accounts = AccountActorSettings.Default with { Policy = InMemoryRiskEvaluation.ImportPolicy, SnapshotEvery = 4 },
        Windows = WindowSettings.Default with
        {
            Windows = [new NamedWindow("daily", WindowSpec.Tumbling(24 * NamedWindow.Hour))],
            IdleTimeout = TimeSpan.FromMilliseconds(500),
        },
        ExtraHocon = "akka.loglevel = WARNING",
    };

    private static Expected LoadExpected() =>
        JsonSerializer.Deserialize<Expected>(File.ReadAllText(Path.Combine(FixtureDirectory, "journal-format-1.expected.json")))
        ?? throw new InvalidOperationException("journal-format-1.expected.json is empty");

    [Fact]
    public void The_fixture_holds_every_persisted_format_1_manifest_and_nothing_newer()
    {
        var manifests = PaymentsManifests(Path.Combine(_directory, "payments.db"));
        Assert.Equal(["A1", "A4", "E1", "E2", "E3", "E4", "E5", "E6", "I1", "S1", "WE1", "WE3", "WS1"], manifests);
    }

    /// <summary>The fixture's collector holds a watermark of 2026-01-27T18:00Z: new transactions are dated after it.</summary>
    private static readonly long NewEventTime = DateTimeOffset.Parse("2026-01-28T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_format_1_journal_recovers_with_every_balance_memory_and_collector_as_it_was()
    {
        var expected = LoadExpected();
        await using (var node = await SingleNode.StartAsync(Settings, new RiskRulesHolder(RuleSet.Default)))
        {
            var client = new PaymentsClient(node.Region, AskTimeout);
            foreach (var account in expected.Accounts)
            {
                var view = await client.GetAccountAsync(account.AccountId);
                Assert.Equal(JsonSerializer.Serialize(account), JsonSerializer.Serialize(new ExpectedAccount(view.AccountId, view.IsOpen, view.Currency,
                    view.BalanceMinor, view.OverdraftLimitMinor, view.Version, view.PendingTransfers, view.Recent.Select(r => r.TransactionId).ToList())));
            }

            // Idempotency memory: from snapshots (FA1's is at event 20) and from events after them.
            var fa1 = await client.GetAccountAsync("FA1");
            foreach (var repeat in new[]
                     {
                         new TransactionRequest("a-in-0", "FA1", TransactionType.CashIn, 10_000, "USD", null, 0),
                         new TransactionRequest("b-pay", "FA1", TransactionType.Payment, 2_500, "USD", "M77", 7_000),
                         new TransactionRequest("b-tr-ok", "FA1", TransactionType.Transfer, 3_000, "USD", "FA2", 8_000),
                     })
            {
                Assert.True((await client.SubmitAsync(repeat)).IsDuplicate, $"{repeat.TransactionId} is remembered");
            }

            var conflict = await client.SubmitAsync(new TransactionRequest("a-in-0", "FA1", TransactionType.CashIn, 99, "USD", null, 0));
            Assert.Equal(Domain.Accounts.TransactionStatus.Conflict, conflict.Status);
            Assert.Equal(fa1.BalanceMinor, (await client.GetAccountAsync("FA1")).BalanceMinor);

            var collector = await node.Registry.GetAsync<WindowCollector>();
            var results = await collector.Ask<WindowResults>(new GetWindowResults(null, null, long.MinValue, long.MaxValue), AskTimeout);
            Assert.Equal(expected.WindowResults, results.Results.Select(ExpectedResult.Of).ToList());
            var status = await collector.Ask<CollectorStatus>(GetCollectorStatus.Instance, AskTimeout);
            Assert.Equal(0, status.OpenWindows);

            var alerts = await (await node.Registry.GetAsync<AlertCollector>()).Ask<AlertsReply>(new GetAlerts(null, long.MinValue, long.MaxValue, 100_000), AskTimeout);
            Assert.Equal(expected.AlertsTotal, alerts.Total);
            Assert.Equal(Canonical(expected.Alerts), Canonical(alerts.Alerts));
            // From the collector's snapshot (8 alerts) and from its events after it.
            Assert.Contains(alerts.Alerts, a => a.TransactionId == "a-pay");
            Assert.Contains(alerts.Alerts, a => a.TransactionId == "b-pay");

            var offset = await node.System.ActorOf(IngestionOffsetActor.Props("fixture")).Ask<long>(IngestionOffsetActor.GetOffset.Instance, AskTimeout);
            Assert.Equal(expected.IngestionOffset, offset);

            // New history goes on in format 2, after the format-1 events, dated within the windows' retention of the newest
            // event time the recovered collector holds (an older one is refused: field timestamp).
            var deposit = await client.SubmitAsync(new TransactionRequest("c-in", "FA1", TransactionType.CashIn, 777, "USD", null, NewEventTime));
            Assert.True(deposit.IsApplied);
            await client.SubmitAsync(new TransactionRequest("c-tr", "FA1", TransactionType.Transfer, 111, "USD", "FA2", NewEventTime + 1_000));
            await AwaitSettledAsync(client, "FA1");
        }

        Assert.Contains("E2v2", PaymentsManifests(Path.Combine(_directory, "payments.db")));
        var fa1Before = expected.Accounts.Single(a => a.AccountId == "FA1");
        var fa2Before = expected.Accounts.Single(a => a.AccountId == "FA2");
        await using (var node = await SingleNode.StartAsync(Settings, new RiskRulesHolder(RuleSet.Default)))
        {
            var client = new PaymentsClient(node.Region, AskTimeout);
            Assert.Equal(fa1Before.BalanceMinor + 777 - 111, (await client.GetAccountAsync("FA1")).BalanceMinor);
            Assert.Equal(fa2Before.BalanceMinor + 111, (await client.GetAccountAsync("FA2")).BalanceMinor);
            Assert.True((await client.SubmitAsync(new TransactionRequest("a-in-1", "FA1", TransactionType.CashIn, 10_001, "USD", null, 1_000))).IsDuplicate);
            Assert.True((await client.SubmitAsync(new TransactionRequest("c-in", "FA1", TransactionType.CashIn, 777, "USD", null, NewEventTime))).IsDuplicate);
        }
    }

    private static async Task AwaitSettledAsync(PaymentsClient client, string accountId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await client.GetAccountAsync(accountId)).PendingTransfers > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{accountId}'s transfers settle within 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>Distinct manifests of the payloads this serializer wrote, in the journal and the snapshot store.</summary>
    private static List<string> PaymentsManifests(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT manifest FROM journal WHERE identifier = $id UNION SELECT manifest FROM snapshot WHERE serializer_id = $id";
        command.Parameters.AddWithValue("$id", PaymentsSerializer.Id);
        using var reader = command.ExecuteReader();
        var manifests = new List<string>();
        while (reader.Read())
        {
            manifests.Add(reader.GetString(0));
        }

        return manifests.Order(StringComparer.Ordinal).ToList();
    }

    private static string Canonical(IEnumerable<Alert> alerts) => JsonSerializer.Serialize(alerts.ToList());

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
            // best effort: SQLite may still hold the file for a moment
        }
    }

    private sealed record Expected(List<ExpectedAccount> Accounts, List<ExpectedResult> WindowResults, List<Alert> Alerts, long AlertsTotal, long IngestionOffset);

    private sealed record ExpectedAccount(string AccountId, bool IsOpen, string? Currency, long BalanceMinor, long OverdraftLimitMinor, long Version,
        int PendingTransfers, List<string> Recent);

    private sealed record ExpectedResult(string Window, string Key, long Start, long End, int Revision, long Count, long Sum, long Min, long Max, long P50, long P99)
    {
        public static ExpectedResult Of(WindowResult r) =>
            new(r.Window, r.Key, r.Start, r.End, r.Revision, r.Count, r.Sum, r.Min, r.Max, r.Quantile(0.5), r.Quantile(0.99));
    }
}
