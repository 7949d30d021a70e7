using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Analytics;

public sealed class WindowCollectorActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output: output)
{
    private static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.port = 0
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    private const long Hour = NamedWindow.Hour;

    private sealed class RecordingSink : IWindowResultSink
    {
        public ConcurrentQueue<WindowResult> Written { get; } = new();

        public void Write(IReadOnlyList<WindowResult> results)
        {
            foreach (var r in results)
            {
                Written.Enqueue(r);
            }
        }
    }

    private static PartialWindowResult Partial(long start, params long[] amounts)
    {
        var stats = new AmountStats();
        foreach (var a in amounts)
        {
            stats.Add(a);
        }

        return new PartialWindowResult("hourly", "all/USD", start, start + Hour, stats.ToState());
    }

    [Fact]
    public void A_restarted_collector_loses_nothing_and_never_re_emits_a_revision_with_other_values()
    {
        var sink = new RecordingSink();
        IgnoreMessages<WindowPartialsAck>(); // acknowledgements are the forwarder's business, tested below
        var collector = Sys.ActorOf(WindowCollectorActor.Props([sink], snapshotEvery: 2), "collector-a");
        collector.Tell(new WindowPartials("n2#1", [Partial(0, 50)], 10)); // n2 holds the window open
        collector.Tell(new WindowPartials("n1#1", [Partial(0, 100, 200)], Hour - 1));
        collector.Tell(new WindowPartials("n1#1", [Partial(Hour, 7)], Hour + 5));
        collector.Tell(GetCollectorStatus.Instance);
        var status = ExpectMsg<CollectorStatus>();
        Assert.Equal(10, status.MinWatermark);
        Assert.Empty(sink.Written);

        // The singleton's node dies: a new incarnation recovers from the journal.
        Watch(collector);
        Sys.Stop(collector);
        ExpectTerminated(collector);
        var second = Sys.ActorOf(WindowCollectorActor.Props([sink], snapshotEvery: 2), "collector-b");
        second.Tell(new WindowPartials("n2#1", [], 2 * Hour));
        AwaitAssert(() =>
        {
            var first = Assert.Single(sink.Written);
            Assert.Equal(0, first.Start);
            Assert.Equal(3, first.Count);
            Assert.Equal(350, first.Sum);
            Assert.Equal(1, first.Revision);
        }, TimeSpan.FromSeconds(10));

        second.Tell(new GetWindowResults("hourly", "all/", 0, 2 * Hour));
        var results = ExpectMsg<WindowResults>().Results;
        Assert.Single(results); // [Hour, 2 Hour) is not final: n1's watermark is at Hour + 5

        // Recovering again replays the emission record: nothing new is written.
        Watch(second);
        Sys.Stop(second);
        ExpectTerminated(second);
        var third = Sys.ActorOf(WindowCollectorActor.Props([sink], snapshotEvery: 2), "collector-c");
        third.Tell(new GetCollectorStatus());
        Assert.Equal(1, ExpectMsg<CollectorStatus>().ResultsEmitted);
        Assert.Single(sink.Written);
    }

    [Fact]
    public void Batches_of_a_source_are_applied_in_order_once_and_acknowledged_when_durable()
    {
        var sink = new RecordingSink();
        var collector = Sys.ActorOf(WindowCollectorActor.Props([sink]), "collector-seq");
        collector.Tell(new WindowPartials("n#1", [Partial(0, 5)], 10, Sequence: 2)); // skips 1: not applied
        Assert.Equal(0, ExpectMsg<WindowPartialsAck>().Sequence);
        collector.Tell(new WindowPartials("n#1", [Partial(0, 100)], 10, Sequence: 1));
        Assert.Equal(1, ExpectMsg<WindowPartialsAck>().Sequence);
        collector.Tell(new WindowPartials("n#1", [Partial(0, 5)], 10, Sequence: 1)); // a resend: acknowledged, not applied again
        Assert.Equal(1, ExpectMsg<WindowPartialsAck>().Sequence);
        collector.Tell(new WindowPartials("n#1", [Partial(0, 100, 7)], Hour, Sequence: 2));
        Assert.Equal(2, ExpectMsg<WindowPartialsAck>().Sequence);
        AwaitAssert(() =>
        {
            var result = Assert.Single(sink.Written);
            Assert.Equal(107, result.Sum); // the in-order batches only
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void The_forwarder_resends_until_the_collector_acknowledges()
    {
        var collector = CreateTestProbe();
        var forwarder = Sys.ActorOf(PartialsForwarder.Props(collector.Ref, TimeSpan.FromMilliseconds(200)));
        forwarder.Tell(new WindowPartials("n#1", [Partial(0, 1)], 1));
        forwarder.Tell(new WindowPartials("n#1", [Partial(0, 2)], 2));
        Assert.Equal(1, collector.ExpectMsg<WindowPartials>().Sequence);
        Assert.Equal(2, collector.ExpectMsg<WindowPartials>().Sequence);
        // Lost: nothing acknowledged, so both come again, in order.
        Assert.Equal(1, collector.ExpectMsg<WindowPartials>().Sequence);
        Assert.Equal(2, collector.ExpectMsg<WindowPartials>().Sequence);
        forwarder.Tell(new WindowPartialsAck("n#1", 1));
        // Resends already on their way (a slow machine can fire several before the ack is read) still carry 1; a resend
        // carries 1 then 2, so two 2s in a row are a resend after the ack: from there on 1 never comes again.
        var previous = 0L;
        collector.FishForMessage<WindowPartials>(p =>
        {
            var afterAck = previous == 2 && p.Sequence == 2;
            previous = p.Sequence;
            return afterAck;
        }, TimeSpan.FromSeconds(10));
        forwarder.Tell(new WindowPartialsAck("n#1", 2));
        // Resends already on their way when the ack arrived may still come (seq 2 only, several on a slow machine); then silence.
        for (var i = 0; i < 50 && collector.ReceiveOne(TimeSpan.FromSeconds(1)) is { } late; i++)
        {
            Assert.Equal(2, Assert.IsType<WindowPartials>(late).Sequence);
        }

        collector.ExpectNoMsg(TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public void A_source_that_sends_nothing_for_the_idle_timeout_stops_holding_windows_back_and_rejoins_when_it_sends()
    {
        var sink = new RecordingSink();
        IgnoreMessages<WindowPartialsAck>();
        var collector = Sys.ActorOf(WindowCollectorActor.Props([sink], sourceIdleTimeout: TimeSpan.FromSeconds(1)), "collector-idle");
        collector.Tell(new WindowPartials("quiet#1", [Partial(0, 50)], 10));
        collector.Tell(new WindowPartials("busy#1", [Partial(0, 100)], Hour + 5));
        collector.Tell(GetCollectorStatus.Instance);
        Assert.Equal(10, ExpectMsg<CollectorStatus>().MinWatermark);

        // Within the timeout the quiet source still holds the window open.
        collector.Tell(new WindowPartials("busy#1", [], Hour + 6));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Empty(sink.Written);

        // Past it, the window is final with what has arrived (both parts: the quiet source's partial counts, its watermark not).
        AwaitAssert(() =>
        {
            var result = Assert.Single(sink.Written);
            Assert.Equal(150, result.Sum);
            Assert.Equal(1, result.Revision);
        }, TimeSpan.FromSeconds(10));

        // It sends again: its watermark holds the merge back again; its late part is a new revision once it passes the window.
        collector.Tell(new WindowPartials("busy#1", [], Hour + 7));
        collector.Tell(new WindowPartials("quiet#1", [], 20));
        collector.Tell(GetCollectorStatus.Instance);
        Assert.Equal(20, ExpectMsg<CollectorStatus>().MinWatermark);
        collector.Tell(new WindowPartials("quiet#1", [Partial(0, 50, 1)], Hour + 10));
        collector.Tell(GetCollectorStatus.Instance);
        Assert.Equal(Hour + 7, ExpectMsg<CollectorStatus>().MinWatermark);
        AwaitAssert(() => Assert.Equal([1, 2], sink.Written.Select(r => r.Revision)), TimeSpan.FromSeconds(10));
        Assert.Equal(151, sink.Written.Last().Sum);
    }

    /// <summary>A sink that holds each write until released, and can be told to fail.</summary>
    private sealed class GatedSink : IWindowResultSink
    {
        public ManualResetEventSlim Gate { get; } = new(false);
        public ConcurrentQueue<IReadOnlyList<WindowResult>> Batches { get; } = new();
        public volatile int Entered;
        public volatile bool Fail;

        public void Write(IReadOnlyList<WindowResult> results)
        {
            Interlocked.Increment(ref Entered);
            if (!Gate.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("gate never opened");
            }

            if (Fail)
            {
                throw new IOException("disk full");
            }

            Batches.Enqueue(results);
        }
    }

    [Fact]
    public void Sink_writes_run_off_the_actor_thread_and_partials_arriving_meanwhile_make_a_new_revision()
    {
        var sink = new GatedSink();
        var collector = Sys.ActorOf(WindowCollectorActor.Props([sink]), "collector-gated");
        collector.Tell(new WindowPartials("n#1", [Partial(0, 100)], Hour, Sequence: 1));
        Assert.Equal(1, ExpectMsg<WindowPartialsAck>().Sequence);
        AwaitCondition(() => sink.Entered == 1, TimeSpan.FromSeconds(10)); // the write of revision 1 is held in the sink

        // The collector keeps answering and recording while its sink is busy.
        collector.Tell(new WindowPartials("n#1", [Partial(0, 100, 5)], Hour + 1, Sequence: 2));
        Assert.Equal(2, ExpectMsg<WindowPartialsAck>().Sequence);
        collector.Tell(GetCollectorStatus.Instance);
        Assert.Equal(Hour + 1, ExpectMsg<CollectorStatus>().MinWatermark);
        Assert.Empty(sink.Batches);

        sink.Gate.Set();
        AwaitAssert(() => Assert.Equal(2, sink.Batches.Count), TimeSpan.FromSeconds(10));
        var results = sink.Batches.SelectMany(b => b).ToList();
        Assert.Equal([1, 2], results.Select(r => r.Revision));
        Assert.Equal([100L, 105L], results.Select(r => r.Sum)); // revision 1 as computed; the change is revision 2
        collector.Tell(GetCollectorStatus.Instance);
        Assert.Equal(0, ExpectMsg<CollectorStatus>().OpenWindows);
    }

    [Fact]
    public void A_failed_sink_write_is_retried_with_the_same_batch()
    {
        var sink = new GatedSink { Fail = true };
        IgnoreMessages<WindowPartialsAck>();
        var collector = Sys.ActorOf(WindowCollectorActor.Props([sink]), "collector-failing");
        collector.Tell(new WindowPartials("n#1", [Partial(0, 100)], Hour));
        AwaitCondition(() => sink.Entered == 1, TimeSpan.FromSeconds(10));
        EventFilter.Error(contains: "Window sinks failed").ExpectOne(() => sink.Gate.Set()); // the first write fails

        // A change arriving before the retry does not alter the revision being retried.
        collector.Tell(new WindowPartials("n#1", [Partial(0, 100, 1)], Hour + 1));
        sink.Fail = false;
        AwaitAssert(() => Assert.Equal(2, sink.Batches.Count), TimeSpan.FromSeconds(15));
        var results = sink.Batches.SelectMany(b => b).ToList();
        Assert.Equal([1, 2], results.Select(r => r.Revision));
        Assert.Equal([100L, 101L], results.Select(r => r.Sum));
        Assert.Equal(3, sink.Entered); // failed, retried, then revision 2
    }
}
