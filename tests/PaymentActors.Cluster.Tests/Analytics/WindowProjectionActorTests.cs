using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Ledger;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Analytics;

/// <summary>
/// Windows from the durable ledger: a projection stopped at any point (after its checkpoint, or between checkpoints
/// with partials already merged) starts again from its checkpoint, and the collector's results are exactly an offline
/// recompute of every decision in the journal: none lost, none counted twice.
/// </summary>
public sealed class WindowProjectionActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output: output)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.port = 0
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    private static readonly WindowSettings Settings = WindowSettings.Default;

    /// <summary>A journal's rows as the query gives them, then live (never completes).</summary>
    private sealed class FakeLedger
    {
        private readonly List<LedgerEvent> _rows = [];

        public LedgerJournal.Reader Reader => offset =>
        {
            lock (_rows)
            {
                return Source.From(_rows.Where(r => r.Offset > offset).ToList()).Concat(Source.Never<LedgerEvent>());
            }
        };

        public List<IAccountEvent> Events
        {
            get
            {
                lock (_rows)
                {
                    return _rows.Where(r => r.Event is not null).Select(r => r.Event!).ToList();
                }
            }
        }

        /// <summary>Rows from..to, one a minute of event time, up to 2 minutes out of order; every 11th is another actor's row.</summary>
        public void Append(int from, int to)
        {
            lock (_rows)
            {
                for (var i = from; i <= to; i++)
                {
                    if (i % 11 == 0)
                    {
                        _rows.Add(new LedgerEvent(i, "", null));
                        continue;
                    }

                    var time = EventTime(i);
                    IAccountEvent e = i % 5 == 0
                        ? new TransactionDeclined($"t{i}", TransactionType.Payment, 10 + i, "M1", time, (ulong)i, RejectCode.InsufficientFunds, "funds", [], "EUR")
                        : new TransactionApproved($"t{i}", i % 2 == 0 ? TransactionType.Payment : TransactionType.CashOut, 100 + i * 7, $"M{i % 4}", time,
                            (ulong)i, i % 3 == 0, [], i % 7 == 0 ? "USD" : "EUR");
                    _rows.Add(new LedgerEvent(i, $"C{i % 13}", e));
                }
            }
        }

        public void AppendEnd(int offset, long newest)
        {
            lock (_rows)
            {
                _rows.Add(new LedgerEvent(offset, "", null, newest));
            }
        }
    }

    private static long EventTime(int i) => 1_767_225_600_000 + i * 60_000L - (i % 3) * 40_000L;

    private static IReadOnlyList<string> Offline(IEnumerable<IAccountEvent> events, long end)
    {
        var aggregator = new PartialWindowAggregator(Settings.Windows, (long)Settings.MaxOutOfOrderness.TotalMilliseconds);
        var partials = new List<PartialWindowResult>();
        foreach (var e in events)
        {
            aggregator.Add(DecidedTransaction.From(e)!, partials);
        }

        aggregator.AdvanceTo(end, partials);
        var state = new WindowCollectorState();
        partials.ForEach(p => state.OnPartial("offline", p));
        state.OnWatermark("offline", end);
        return state.DueResults().Select(Render).Order(StringComparer.Ordinal).ToList();
    }

    private static string Render(WindowResult r) => $"{r.Window} {r.Key} {r.Start} c={r.Count} s={r.Sum} min={r.Min} max={r.Max}";

    private async Task<IReadOnlyList<string>> ResultsAsync(IActorRef collector) =>
        (await collector.Ask<WindowResults>(new GetWindowResults(null, null, long.MinValue, long.MaxValue)))
        .Results.Select(Render).Order(StringComparer.Ordinal).ToList();

    private IActorRef StartProjection(IActorRef collector, FakeLedger ledger, TimeSpan checkpointInterval, Func<Task<long>>? journalEnd = null) =>
        Sys.ActorOf(WindowProjectionActor.Props(0, 1, collector, ledger.Reader, Settings, journalEnd, checkpointInterval));

    private void Stop(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
    }

    [Fact]
    public async Task A_projection_stopped_after_a_checkpoint_and_again_between_checkpoints_counts_every_decision_exactly_once()
    {
        var ledger = new FakeLedger();
        ledger.Append(1, 1_000);
        var collector = Sys.ActorOf(WindowCollectorActor.Props([], snapshotEvery: 1_000_000));
        var checkpoints = CreateTestProbe();
        Sys.EventStream.Subscribe(checkpoints.Ref, typeof(WindowProjectionCheckpointed));

        // 1: reads the first thousand rows and checkpoints them.
        var first = StartProjection(collector, ledger, TimeSpan.FromMilliseconds(200));
        checkpoints.FishForMessage<WindowProjectionCheckpointed>(c => c.Offset == 1_000, TimeSpan.FromSeconds(20));
        Stop(first);

        // 2: reads on, the collector merges what it fires, and it stops before any checkpoint.
        ledger.Append(1_001, 2_000);
        var second = StartProjection(collector, ledger, TimeSpan.FromHours(1));
        var advanced = EventTime(1_900) - (long)Settings.MaxOutOfOrderness.TotalMilliseconds;
        await AwaitAssertAsync(async () =>
        {
            var status = await collector.Ask<CollectorStatus>(GetCollectorStatus.Instance);
            Assert.True(status.Watermarks.GetValueOrDefault("ledger-0", long.MinValue) >= advanced, "the collector merged partials past the checkpoint");
        }, TimeSpan.FromSeconds(20));
        var partway = await ResultsAsync(collector);
        Assert.NotEmpty(partway);
        Stop(second);

        // 3: starts from the checkpoint at 1,000 again, reads 1,001..2,000 a second time, then the end of the input.
        var newest = EventTime(2_000);
        ledger.AppendEnd(2_001, newest);
        StartProjection(collector, ledger, TimeSpan.FromHours(1));
        var expected = Offline(ledger.Events, newest + Settings.Windows.Max(w => w.Spec.Size));
        await AwaitAssertAsync(async () => Assert.Equal(expected, await ResultsAsync(collector)), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task On_a_journal_whose_windows_the_node_stages_counted_the_first_projection_counts_only_what_comes_after()
    {
        var ledger = new FakeLedger();
        ledger.Append(1, 500);
        var collector = Sys.ActorOf(WindowCollectorActor.Props([], snapshotEvery: 1_000_000));
        // An earlier version's node stage counted rows 1..500.
        collector.Tell(new WindowPartials("akka.tcp://payments@h:1#7", [], EventTime(500), Idle: true, Sequence: 1));
        ExpectMsg<WindowPartialsAck>();

        StartProjection(collector, ledger, TimeSpan.FromHours(1), journalEnd: () => Task.FromResult(500L));
        var counted = new FakeLedger();
        counted.Append(501, 600);
        ledger.Append(501, 600);
        ledger.AppendEnd(601, EventTime(600));
        var expected = Offline(counted.Events, EventTime(600) + Settings.Windows.Max(w => w.Spec.Size));
        await AwaitAssertAsync(async () => Assert.Equal(expected, await ResultsAsync(collector)), TimeSpan.FromSeconds(20));
    }
}
