using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Risk;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Alerts;

public sealed class AlertCollectorActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output: output)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    /// <summary>Records what it is given, and on which thread; fails the first <c>failures</c> batches.</summary>
    private sealed class RecordingSink(int failures = 0) : IAlertSink
    {
        private int _failures = failures;

        public ConcurrentQueue<IReadOnlyList<Alert>> Batches { get; } = new();

        public void Write(IReadOnlyList<Alert> alerts)
        {
            if (Interlocked.Decrement(ref _failures) >= 0)
            {
                throw new IOException("sink down");
            }

            Batches.Enqueue(alerts);
        }

        public IReadOnlyList<string> Ids => Batches.SelectMany(b => b).Select(a => a.TransactionId).ToList();
    }

    private static AlertRaised Raised(int i) => new(new Alert($"t{i}", $"A{i % 3}", TransactionType.Payment, 100 + i, "EUR", 1_000 + i,
        TransactionStatus.Flagged, [new RuleHit("velocity", 1, "count over 600 s")]));

    [Fact]
    public void Alerts_reach_the_sinks_in_batches_once_each_and_a_failing_sink_is_retried_with_the_same_batch()
    {
        var sink = new RecordingSink(failures: 1);
        var collector = Sys.ActorOf(AlertCollectorActor.Props([sink], retain: 100, snapshotEvery: 50), "alerts-a");
        for (var i = 0; i < 300; i++)
        {
            collector.Tell(Raised(i));
            collector.Tell(Raised(i)); // the same decision reported twice
        }

        AwaitAssert(() => Assert.Equal(300, sink.Ids.Distinct().Count()), TimeSpan.FromSeconds(20));
        Assert.Equal(300, sink.Ids.Count); // once each, despite the repeats and the failed first attempt
        Assert.True(sink.Batches.Count < 300, $"{sink.Batches.Count} batches for 300 alerts: not batched");

        collector.Tell(new GetAlerts("A1", long.MinValue, long.MaxValue, 1_000));
        var reply = ExpectMsg<AlertsReply>();
        // A filtered query counts the matches among the retained alerts (older ones live in the sinks).
        Assert.Equal(reply.Alerts.Count, reply.Total);
        Assert.All(reply.Alerts, a => Assert.Equal("A1", a.AccountId));
        Assert.True(reply.Alerts.Count <= 100, "queries see the retained window only");
    }

    [Fact]
    public void A_restarted_collector_keeps_its_total_and_its_dedupe_window()
    {
        var sink = new RecordingSink();
        var first = Sys.ActorOf(AlertCollectorActor.Props([sink], retain: 100, snapshotEvery: 50), "alerts-b");
        for (var i = 0; i < 120; i++)
        {
            first.Tell(Raised(i));
        }

        AwaitAssert(() => Assert.Equal(120, sink.Ids.Distinct().Count()), TimeSpan.FromSeconds(20));
        Watch(first);
        first.Tell(PoisonPill.Instance);
        ExpectTerminated(first);

        var second = Sys.ActorOf(AlertCollectorActor.Props([sink], retain: 100, snapshotEvery: 50), "alerts-b2");
        second.Tell(Raised(119)); // within the retained window: recognised
        second.Tell(Raised(120)); // new
        AwaitAssert(() => Assert.Contains("t120", sink.Ids), TimeSpan.FromSeconds(20));
        second.Tell(new GetAlerts(null, long.MinValue, long.MaxValue, 1_000));
        Assert.Equal(121, ExpectMsg<AlertsReply>().Total);
    }

    private static Alert QueryAlert(string id, string account, long time) =>
        new(id, account, TransactionType.Transfer, 100, "EUR", time, TransactionStatus.Flagged, []);

    [Fact]
    public void Total_counts_the_alerts_matching_the_query_not_every_alert()
    {
        var collector = Sys.ActorOf(AlertCollectorActor.Props([]));
        collector.Tell(new AlertRaised(QueryAlert("t1", "A", 10)), TestActor);
        collector.Tell(new AlertRaised(QueryAlert("t2", "A", 20)), TestActor);
        collector.Tell(new AlertRaised(QueryAlert("t3", "B", 30)), TestActor);

        // Alerts are persisted asynchronously, so a query may overtake them; and the first answer may be slow while
        // the journal starts, so the deadline leaves room for more than one try.
        AwaitAssert(() =>
        {
            collector.Tell(new GetAlerts(null, long.MinValue, long.MaxValue, 100), TestActor);
            Assert.Equal(3, ExpectMsg<AlertsReply>().Total);
        }, TimeSpan.FromSeconds(20));

        collector.Tell(new GetAlerts("NOBODY", long.MinValue, long.MaxValue, 100), TestActor);
        var none = ExpectMsg<AlertsReply>();
        Assert.Empty(none.Alerts);
        Assert.Equal(0, none.Total);

        collector.Tell(new GetAlerts("A", long.MinValue, long.MaxValue, 1), TestActor);
        var a = ExpectMsg<AlertsReply>();
        Assert.Equal("t2", Assert.Single(a.Alerts).TransactionId);
        Assert.Equal(2, a.Total);

        collector.Tell(new GetAlerts(null, 15, 35, 100), TestActor);
        Assert.Equal(2, ExpectMsg<AlertsReply>().Total);
    }
}
