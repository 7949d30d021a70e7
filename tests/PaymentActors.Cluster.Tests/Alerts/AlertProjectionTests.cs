using System.Collections.Concurrent;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Ledger;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Risk;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Alerts;

/// <summary>The alert collector reading alerts from the ledger: offset committed with the alerts, resume, idempotent replay.</summary>
public sealed class AlertProjectionTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output: output)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    private sealed class RecordingSink : IAlertSink
    {
        private readonly ConcurrentQueue<string> _ids = new();

        public void Write(IReadOnlyList<Alert> alerts)
        {
            foreach (var a in alerts)
            {
                _ids.Enqueue(a.TransactionId);
            }
        }

        public int Distinct => _ids.Distinct().Count();
    }

    /// <summary>
    /// A journal's rows as the query would give them, then live (never completes). Records each offset asked for;
    /// <paramref name="ignoreOffset"/> replays from the start whatever is asked (a reader that delivers again).
    /// </summary>
    private sealed class FakeLedger(bool ignoreOffset = false)
    {
        private readonly List<LedgerEvent> _rows = [];

        public ConcurrentQueue<long> Asked { get; } = new();

        public LedgerJournal.Reader Reader => offset =>
        {
            Asked.Enqueue(offset);
            List<LedgerEvent> rows;
            lock (_rows)
            {
                rows = _rows.Where(r => ignoreOffset || r.Offset > offset).ToList();
            }

            return Source.From(rows).Concat(Source.Never<LedgerEvent>());
        };

        /// <summary>Rows from..to: even offsets a flagged approval, odd ones unflagged, every 7th a row of another actor.</summary>
        public int Append(int from, int to)
        {
            var flagged = 0;
            lock (_rows)
            {
                for (var i = from; i <= to; i++)
                {
                    if (i % 7 == 0 && i % 2 == 1)
                    {
                        _rows.Add(new LedgerEvent(i, "", null));
                        continue;
                    }

                    var isFlagged = i % 2 == 0;
                    flagged += isFlagged ? 1 : 0;
                    _rows.Add(new LedgerEvent(i, $"A{i % 3}", new TransactionApproved($"t{i}", TransactionType.Payment, 100 + i, "M1", 1_000 + i, (ulong)i,
                        isFlagged, isFlagged ? [new RuleHit("velocity-count-10m", 1, "count 6 > 5")] : [], "EUR")));
                }
            }

            return flagged;
        }
    }

    private long Total(IActorRef collector)
    {
        collector.Tell(new GetAlerts(null, long.MinValue, long.MaxValue, 1), TestActor);
        return ExpectMsg<AlertsReply>().Total;
    }

    private void Stop(IActorRef actor)
    {
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        ExpectTerminated(actor);
    }

    [Fact]
    public void Alerts_read_from_the_ledger_are_stored_once_and_a_new_collector_resumes_after_the_committed_offset()
    {
        var ledger = new FakeLedger();
        var sink = new RecordingSink();
        var flagged = ledger.Append(1, 30);
        var first = Sys.ActorOf(AlertCollectorActor.Props([sink], ledger: ledger.Reader), "alerts-1");
        AwaitAssert(() => Assert.Equal(flagged, Total(first)), TimeSpan.FromSeconds(20));
        AwaitAssert(() => Assert.Equal(flagged, sink.Distinct), TimeSpan.FromSeconds(20));
        Assert.Equal(0, ledger.Asked.Single());
        Stop(first);

        // Decisions made while no collector runs are read by the next one, from where the last one committed.
        flagged += ledger.Append(31, 40);
        var second = Sys.ActorOf(AlertCollectorActor.Props([sink], ledger: ledger.Reader), "alerts-2");
        AwaitAssert(() => Assert.Equal(flagged, Total(second)), TimeSpan.FromSeconds(20));
        AwaitAssert(() => Assert.Equal(flagged, sink.Distinct), TimeSpan.FromSeconds(20));
        Assert.Equal([0L, 30L], ledger.Asked.ToArray());
    }

    [Fact]
    public void Rows_delivered_again_after_a_restart_are_not_applied_twice()
    {
        var ledger = new FakeLedger(ignoreOffset: true);
        var sink = new RecordingSink();
        var flagged = ledger.Append(1, 50);
        var first = Sys.ActorOf(AlertCollectorActor.Props([sink], ledger: ledger.Reader), "alerts-1");
        AwaitAssert(() => Assert.Equal(flagged, Total(first)), TimeSpan.FromSeconds(20));
        Stop(first);

        // Every row read again from the start (as an at-least-once source may): nothing counted twice.
        flagged += ledger.Append(51, 60);
        var second = Sys.ActorOf(AlertCollectorActor.Props([sink], ledger: ledger.Reader), "alerts-2");
        AwaitAssert(() => Assert.Equal(flagged, sink.Distinct), TimeSpan.FromSeconds(20));
        Assert.Equal(flagged, Total(second));
    }

    [Fact]
    public void A_failed_read_restarts_the_collector_from_its_committed_offset()
    {
        var asked = new ConcurrentQueue<long>();
        var ledger = new FakeLedger();
        var flagged = ledger.Append(1, 20);
        var failOnce = 1;
        LedgerJournal.Reader reader = offset =>
        {
            asked.Enqueue(offset);
            return Interlocked.Exchange(ref failOnce, 0) == 1
                ? ledger.Reader(offset).Take(10).Concat(Source.Failed<LedgerEvent>(new IOException("database gone")))
                : ledger.Reader(offset);
        };
        var sink = new RecordingSink();
        var collector = Sys.ActorOf(AlertCollectorActor.Props([sink], ledger: reader), "alerts-1");
        AwaitAssert(() => Assert.Equal(flagged, Total(collector)), TimeSpan.FromSeconds(20));
        Assert.True(asked.Count >= 2, "the read was started again after it failed");
    }
}
