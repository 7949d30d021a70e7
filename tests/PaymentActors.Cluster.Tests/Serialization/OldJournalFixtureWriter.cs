using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Streams.Dsl;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Analytics;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Risk;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Ingestion;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Tests.Serialization;

/// <summary>
/// Writes the old-format fixture journal (Fixtures/journal-format-1.db) and what its state is
/// (Fixtures/journal-format-1.expected.json) with the code of the first serializer. Run once, by hand,
/// with FIXTURE_OUT set to a directory; it does nothing otherwise. Kept in history only.
/// </summary>
public sealed class OldJournalFixtureWriter
{
    public const string SourceKey = "fixture";

    [Fact]
    public async Task Write_the_old_format_fixture_journal()
    {
        var output = Environment.GetEnvironmentVariable("FIXTURE_OUT");
        if (string.IsNullOrEmpty(output))
        {
            return;
        }

        var data = Path.Combine(output, "run");
        Directory.CreateDirectory(data);
        var settings = new PaymentsNodeSettings
        {
            Port = 0,
            Database = DatabaseKind.Sqlite,
            DataDirectory = data,
            Accounts = AccountActorSettings.Default with { Policy = InMemoryRiskEvaluation.ImportPolicy, SnapshotEvery = 4 },
            Windows = WindowSettings.Default with { Windows = [new NamedWindow("daily", Domain.Windows.WindowSpec.Tumbling(24 * NamedWindow.Hour))], IdleTimeout = TimeSpan.FromMilliseconds(500) },
            ExtraHocon = "akka.loglevel = WARNING",
        };
        var lines = File.ReadAllLines(Path.Combine(RepoRoot(), "samples", "paysim-10k.csv"));
        var csv = Path.Combine(data, "input.csv");

        // Phase 1: a PaySim slice through ingestion (accounts, windows, alerts, offsets) and hand-made ledger traffic.
        File.WriteAllLines(csv, lines.Take(41));
        var windows = new NodeWindows();
        await using (var node = await SingleNode.StartAsync(settings, new RiskRulesHolder(RuleSet.Default), windows))
        {
            await IngestAsync(node, windows, csv, endWindows: false);
            await LedgerTrafficAsync(new PaymentsClient(node.Region, TimeSpan.FromSeconds(30)), "a");
        }

        // Phase 2: collector and offset snapshots (their own intervals, 500/1000/100, are far beyond a small fixture).
        await WriteSnapshotsAsync(settings);

        // Phase 3: more of everything after the snapshots, then record what the state is.
        File.WriteAllLines(csv, lines.Take(71));
        windows = new NodeWindows();
        await using (var node = await SingleNode.StartAsync(settings, new RiskRulesHolder(RuleSet.Default), windows))
        {
            await IngestAsync(node, windows, csv, endWindows: true);
            var client = new PaymentsClient(node.Region, TimeSpan.FromSeconds(30));
            await LedgerTrafficAsync(client, "b");
            var collector = await node.Registry.GetAsync<WindowCollector>();
            var results = await WaitForResultsAsync(collector);
            var alerts = await (await node.Registry.GetAsync<AlertCollector>()).Ask<AlertsReply>(new GetAlerts(null, long.MinValue, long.MaxValue, 100_000), TimeSpan.FromSeconds(30));
            var offset = await node.System.ActorOf(IngestionOffsetActor.Props(SourceKey)).Ask<long>(IngestionOffsetActor.GetOffset.Instance, TimeSpan.FromSeconds(30));
            var accountIds = lines.Skip(1).Take(70).SelectMany(l => new[] { l.Split(',')[3], l.Split(',')[6] })
                .Concat(["FA1", "FA2", "FE1", "FB1", "FB2"]).Distinct().Order(StringComparer.Ordinal).ToList();
            var accounts = new List<AccountView>();
            foreach (var id in accountIds)
            {
                accounts.Add(await client.GetAccountAsync(id));
            }

            var expected = new
            {
                Accounts = accounts.Select(a => new
                {
                    a.AccountId, a.IsOpen, a.Currency, a.BalanceMinor, a.OverdraftLimitMinor, a.Version, a.PendingTransfers,
                    Recent = a.Recent.Select(r => r.TransactionId).ToList(),
                }),
                WindowResults = results.Select(r => new
                {
                    r.Window, r.Key, r.Start, r.End, r.Revision, r.Count, r.Sum, r.Min, r.Max, P50 = r.Quantile(0.5), P99 = r.Quantile(0.99),
                }),
                Alerts = alerts.Alerts,
                AlertsTotal = alerts.Total,
                IngestionOffset = offset,
            };
            await File.WriteAllTextAsync(Path.Combine(output, "journal-format-1.expected.json"),
                JsonSerializer.Serialize(expected, new JsonSerializerOptions { WriteIndented = true }));
        }

        await using (var connection = new SqliteConnection(settings.EffectiveConnectionString))
        {
            connection.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; VACUUM;";
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        File.Copy(Path.Combine(data, "payments.db"), Path.Combine(output, "journal-format-1.db"), overwrite: true);
    }

    private static async Task IngestAsync(SingleNode node, NodeWindows windows, string csv, bool endWindows)
    {
        using var deadLetters = new DeadLetterWriter(TextWriter.Null);
        await FileIngestion.RunSourceAsync(node.System, node.Region, windows, SourceKey,
            Source.From(IngestionPipeline.FileItems(csv, InputFormat.PaySim, new IngestionOptions())),
            DeliverySettings.Default, new IngestionCounters(), deadLetters, endWindowsAtEnd: endWindows);
    }

    /// <summary>Opened accounts, a snapshot-worthy history, a settled transfer, a reversed one (currency), declines and a drain alert.</summary>
    private static async Task LedgerTrafficAsync(PaymentsClient client, string round)
    {
        if (round == "a")
        {
            await client.OpenAccountAsync("FA1", "USD", 10_000, 0);
            await client.OpenAccountAsync("FA2", "USD", 0, 500);
            await client.OpenAccountAsync("FE1", "EUR", 0, 0);
        }

        for (var i = 0; i < 6; i++)
        {
            await client.SubmitAsync(new TransactionRequest($"{round}-in-{i}", "FA1", TransactionType.CashIn, 10_000 + i, "USD", null, 1_000 * i));
        }

        await client.SubmitAsync(new TransactionRequest($"{round}-pay", "FA1", TransactionType.Payment, 2_500, "USD", "M77", 7_000));
        await client.SubmitAsync(new TransactionRequest($"{round}-tr-ok", "FA1", TransactionType.Transfer, 3_000, "USD", "FA2", 8_000));
        await client.SubmitAsync(new TransactionRequest($"{round}-tr-eur", "FA1", TransactionType.Transfer, 1_000, "USD", "FE1", 9_000));
        await client.SubmitAsync(new TransactionRequest($"{round}-too-much", "FA2", TransactionType.CashOut, 1_000_000, "USD", null, 10_000));
        await client.SubmitAsync(new TransactionRequest($"{round}-drain-in", "FB1", TransactionType.CashIn, 50_000, "USD", null, 11_000, 0));
        await client.SubmitAsync(new TransactionRequest($"{round}-drain", "FB1", TransactionType.Transfer, 50_000 + (round == "b" ? 50_000 : 0), "USD", "FB2", 12_000));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await client.GetAccountAsync("FA1")).PendingTransfers > 0 || (await client.GetAccountAsync("FB1")).PendingTransfers > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "transfers settle");
            await Task.Delay(100);
        }
    }

    private static async Task<IReadOnlyList<WindowResult>> WaitForResultsAsync(IActorRef collector)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await collector.Ask<CollectorStatus>(GetCollectorStatus.Instance, TimeSpan.FromSeconds(30));
            if (status.OpenWindows == 0 && status.ResultsEmitted > 0)
            {
                return (await collector.Ask<WindowResults>(new GetWindowResults(null, null, long.MinValue, long.MaxValue), TimeSpan.FromSeconds(30))).Results;
            }

            Assert.True(DateTime.UtcNow < deadline, "windows are emitted");
            await Task.Delay(200);
        }
    }

    private static async Task WriteSnapshotsAsync(PaymentsNodeSettings settings)
    {
        using var host = new HostBuilder()
            .ConfigureServices(s => s.AddAkka("payments", (b, _) => b.WithPaymentsSerializer().WithPaymentsPersistence(settings)))
            .Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        foreach (var (id, build) in new (string, Func<object?, IReadOnlyList<object>, object>)[]
                 {
                     (WindowCollectorActor.PersistenceIdValue, CollectorSnapshotOf),
                     ("alert-collector", AlertsSnapshotOf),
                     ("ingestion-offset-" + SourceKey, (_, events) => new IngestionOffsetCommitted(events.Cast<IngestionOffsetCommitted>().Max(e => e.Offset))),
                 })
        {
            var writer = system.ActorOf(Props.Create(() => new SnapshotWriter(id, build)));
            await writer.Ask<SaveSnapshotSuccess>("save", TimeSpan.FromSeconds(30));
            await writer.GracefulStop(TimeSpan.FromSeconds(10));
        }

        await host.StopAsync();
    }

    private static object CollectorSnapshotOf(object? snapshot, IReadOnlyList<object> events)
    {
        var state = snapshot is CollectorSnapshot s ? WindowCollectorState.FromSnapshot(s) : new WindowCollectorState();
        foreach (var e in events)
        {
            switch (e)
            {
                case PartialsRecorded p:
                    foreach (var partial in p.Partials)
                    {
                        state.OnPartial(p.Source, partial);
                    }

                    state.OnWatermark(p.Source, p.Watermark, p.Idle);
                    state.OnSequence(p.Source, p.Sequence);
                    break;
                case SourceRetired r:
                    state.Retire(r.Source);
                    break;
                case ResultsEmitted r:
                    foreach (var result in r.Results)
                    {
                        state.MarkEmitted(result);
                    }

                    break;
            }
        }

        return state.ToSnapshot();
    }

    private static object AlertsSnapshotOf(object? snapshot, IReadOnlyList<object> events)
    {
        var alerts = events.Cast<AlertRaised>().Select(e => e.Alert).DistinctBy(a => a.TransactionId).ToList();
        return new AlertsSnapshot(alerts, alerts.Count);
    }

    private sealed class SnapshotWriter : ReceivePersistentActor
    {
        private readonly List<object> _events = [];
        private object? _snapshot;
        private IActorRef? _replyTo;

        public SnapshotWriter(string persistenceId, Func<object?, IReadOnlyList<object>, object> build)
        {
            PersistenceId = persistenceId;
            Recover<SnapshotOffer>(o => _snapshot = o.Snapshot);
            Recover<RecoveryCompleted>(_ => { });
            RecoverAny(e => _events.Add(e));
            Command<string>(_ =>
            {
                _replyTo = Sender;
                SaveSnapshot(build(_snapshot, _events));
            });
            Command<SaveSnapshotSuccess>(s => _replyTo?.Tell(s));
        }

        public override string PersistenceId { get; }
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PaymentActors.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("PaymentActors.sln not found above the test binaries");
    }
}
