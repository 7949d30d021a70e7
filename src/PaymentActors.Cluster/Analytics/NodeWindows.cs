using System.Threading.Channels;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Observability;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Analytics;

/// <param name="MaxOutOfOrderness">Watermark = max event time seen − this.</param>
/// <param name="IdleTimeout">No input for this long: the watermark advances to the max event time seen.</param>
public sealed record WindowSettings(IReadOnlyList<NamedWindow> Windows, TimeSpan MaxOutOfOrderness, TimeSpan IdleTimeout)
{
    public static readonly WindowSettings Default = new(NamedWindow.Defaults, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(2));

    /// <summary>How far behind the newest event time seen a record is still taken (<see cref="EventTimeHorizon"/>).</summary>
    public TimeSpan Retention { get; init; } = EventTimeHorizon.DefaultRetention;

    /// <summary>How far ahead of the node's clock a record may be dated; later ones never reach a window (nor its watermark).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = IngestionOptions.DefaultMaxFutureSkew;

    /// <summary>
    /// At the collector: a source (a node's window stage) that sends nothing for this long stops holding the merged
    /// watermark back until it sends again (Flink's <c>withIdleness</c>). A live stage reports at least every
    /// <see cref="IdleTimeout"/> while it has input, and says when it goes idle, so this only catches a stage that
    /// went silent: a hung node, a lost link, a stage that stopped.
    /// </summary>
    public TimeSpan SourceIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many window projections read the journal (each the decisions of the accounts hashing to it), spread over the
    /// nodes. Each reads every row, so more partitions spread the aggregation but multiply the reading.
    /// </summary>
    public int Partitions { get; init; } = 2;

    /// <summary>
    /// How far (in journal rows) a decision may land after decisions dated later than it without being late. The journal
    /// holds decisions in the order they became durable, not the order they were sent: a pipeline has up to a few thousand
    /// in flight, and their accounts persist them in their own order. A projection moves its watermark only with event
    /// times at least this many rows behind the newest row it read (then minus <see cref="MaxOutOfOrderness"/>).
    /// </summary>
    public long JournalReorderRows { get; init; } = 10_000;

    /// <summary>
    /// How late (in event time, past the watermark) a decision read from the journal may still change a window that has
    /// fired: a new revision rather than a drop. A decision can become durable long after later-dated ones when its
    /// account's node dies and its shard moves, or its client retries after an outage; the projections keep windows
    /// this much longer.
    /// </summary>
    public TimeSpan JournalAllowedLateness { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// An element for the window stage: a decided transaction, or the end of a bounded input (a finished
/// replay), after which every window of this stage fires (watermark to the end of time), as a bounded
/// source does in Flink.
/// </summary>
public readonly record struct WindowInput(DecidedTransaction? Transaction, bool EndOfInput)
{
    public static WindowInput Of(DecidedTransaction t) => new(t, false);
    public static readonly WindowInput End = new(null, true);
}

/// <summary>
/// The node's window stage. On a journal with a query side (SQLite, PostgreSQL) the windows are computed from the journal
/// by the window projections (<see cref="WindowProjectionActor"/>): here the inputs only move the node's event-time
/// horizon, and the end of a bounded input is written to the journal. On the in-memory journal this stage computes them:
/// two inputs, one stream: every ingestion pipeline on this node attaches its decided transactions to <see cref="Input"/>
/// (a MergeHub: backpressured per producer), and the accounts hosted on this node hand it, once durable, every decision
/// that did not come through a pipeline (<see cref="Decided"/>: <c>submit</c>, <c>PaymentsClient</c>), so every entry point
/// is counted once. The stream aggregates them into partial window results and sends them, with the stage's watermark,
/// to the collector singleton, which merges the nodes' partials.
/// </summary>
public sealed class NodeWindows
{
    /// <summary>Decisions from accounts waiting for the stage; beyond this they are dropped and counted (an account never blocks).</summary>
    public const int DecidedBuffer = 100_000;

    private readonly Channel<WindowInput> _decided = Channel.CreateBounded<WindowInput>(
        new BoundedChannelOptions(DecidedBuffer) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private Sink<WindowInput, NotUsed>? _input;
    private long _dropped;

    /// <summary>This stage's identity at the collector: node address and incarnation.</summary>
    public string SourceId { get; private set; } = "";

    /// <summary>
    /// The newest event time this stage has seen and the retention behind it: the ingestion entry points reject
    /// records older than <see cref="EventTimeHorizon.Oldest"/> (give it to <see cref="IngestionOptions.Horizon"/>).
    /// </summary>
    public EventTimeHorizon Horizon { get; private set; } = new();

    /// <summary>Ingestion options for an entry point that feeds this stage: its horizon and the stage's future bound.</summary>
    public IngestionOptions IngestionOptions(IngestionOptions? options = null) => (options ?? new IngestionOptions()) with { Horizon = Horizon };

    public Sink<WindowInput, NotUsed> Input => _input ?? throw new InvalidOperationException("the window stage has not started yet");

    /// <summary>Decisions not counted because the stage was <see cref="DecidedBuffer"/> behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>A durable decision of an account on this node that no pipeline counts (called on the account's thread: never blocks).</summary>
    public void Decided(DecidedTransaction transaction)
    {
        if (FromLedger)
        {
            Horizon.Observe(transaction.EventTimeMs); // the projections count it from the journal
            return;
        }

        if (!_decided.Writer.TryWrite(WindowInput.Of(transaction)))
        {
            Interlocked.Increment(ref _dropped);
            PaymentsMetrics.WindowInputDropped();
        }
    }

    /// <summary>
    /// Windows come from the durable ledger (<see cref="WindowProjectionActor"/>): this stage only keeps the node's
    /// event-time horizon and writes the end of a bounded input to the journal.
    /// </summary>
    public bool FromLedger { get; private set; }

    /// <summary>
    /// Starts the stage. <paramref name="fromLedger"/> (a journal with a query side): the windows are computed by the
    /// journal projections (<see cref="WindowProjectionActor"/>, started by the host) and the inputs here only move the
    /// horizon; otherwise (the in-memory journal) this stage aggregates what pipelines and accounts hand it and forwards
    /// its partials.
    /// </summary>
    public void Start(ActorSystem system, IActorRef collector, WindowSettings settings, bool fromLedger = false)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        SourceId = $"{cluster.SelfAddress}#{cluster.SelfUniqueAddress.Uid}";
        var source = SourceId;
        if (settings.Retention != Horizon.Retention)
        {
            Horizon = new EventTimeHorizon(settings.Retention);
        }

        system.ActorOf(HorizonSeeder.Props(collector, Horizon, settings.MaxFutureSkew, TimeSpan.FromSeconds(2)), "window-horizon-seeder");
        if (fromLedger)
        {
            FromLedger = true;
            // Supervised like the singletons: a write that fails in an outage stops a persistent actor.
            var marker = system.ActorOf(Hosting.PaymentsHosting.Supervised(BoundedInputMarker.Props($"bounded-inputs-{cluster.SelfUniqueAddress.Uid}"),
                BoundedInputMarker.Name), BoundedInputMarker.Name);
            var horizon = Horizon;
            // Scan keeps its state per materialisation: the newest event time of each pipeline that attaches.
            _input = Akka.Streams.Dsl.Flow.Create<WindowInput>()
                .Scan((Newest: long.MinValue, Ended: false), (seen, input) =>
                {
                    if (input.Transaction is { } t)
                    {
                        horizon.Observe(t.EventTimeMs);
                    }

                    return (Math.Max(seen.Newest, input.Transaction?.EventTimeMs ?? long.MinValue), input.EndOfInput);
                })
                .To(Sink.ForEach<(long Newest, bool Ended)>(seen =>
                {
                    if (seen.Ended)
                    {
                        marker.Tell(new BoundedInputEnded(seen.Newest));
                    }
                }));
            return;
        }

        var forwarder = system.ActorOf(PartialsForwarder.Props(collector, TimeSpan.FromSeconds(2)), "window-partials-forwarder");

        _input = MergeHub.Source<WindowInput>(perProducerBufferSize: 256)
            .MergeMaterialized(ChannelSource.FromReader(_decided.Reader), Keep.Left)
            .Via(Flow(settings, source, Horizon))
            .To(Sink.ForEach<WindowPartials>(p => forwarder.Tell(p)))
            .Run(system.Materializer());
    }

    /// <summary>
    /// Adds a decision to the windows unless it is dated beyond <paramref name="latest"/> (the clock plus the max future
    /// skew) or the horizon's retention, which are counted (<c>payments.windows.records.refused</c>) and move nothing.
    /// </summary>
    public static bool AddIfPlausible(PartialWindowAggregator aggregator, DecidedTransaction t, long latest, EventTimeHorizon horizon,
        List<PartialWindowResult> output)
    {
        if (t.EventTimeMs > latest)
        {
            PaymentsMetrics.WindowRecordRefused("too_new");
            return false;
        }

        if (horizon.IsTooOld(t.EventTimeMs, out _))
        {
            PaymentsMetrics.WindowRecordRefused("too_old");
            return false;
        }

        aggregator.Add(t, output);
        horizon.Observe(t.EventTimeMs);
        return true;
    }

    /// <summary>
    /// The window stage itself: decided transactions in, partials (with watermark) out. Bounded state. A transaction
    /// dated beyond the horizon's retention or more than <see cref="WindowSettings.MaxFutureSkew"/> ahead of
    /// <paramref name="clock"/> is left out and counted (<c>payments.windows.records.refused</c>): it moves no
    /// watermark. The ingestion entry points reject such records before they reach an account; this catches the rest.
    /// </summary>
    public static Flow<WindowInput, WindowPartials, NotUsed> Flow(WindowSettings settings, string source, EventTimeHorizon? horizon = null,
        Func<long>? clock = null)
    {
        horizon ??= new EventTimeHorizon(settings.Retention);
        clock ??= () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var maxFutureSkewMs = (long)settings.MaxFutureSkew.TotalMilliseconds;
        var aggregator = new PartialWindowAggregator(settings.Windows, (long)settings.MaxOutOfOrderness.TotalMilliseconds);
        var lastSentWatermark = long.MinValue;
        var lastSentIdle = false;
        IReadOnlyList<WindowInput> idle = [];
        return Akka.Streams.Dsl.Flow.Create<WindowInput>()
            .GroupedWithin(4096, TimeSpan.FromMilliseconds(100))
            .Select(batch => (IReadOnlyList<WindowInput>)batch.ToList())
            .KeepAlive(settings.IdleTimeout, () => idle)
            .Select(batch =>
            {
                var output = new List<PartialWindowResult>();
                var isIdle = batch.Count == 0;
                if (isIdle)
                {
                    aggregator.AdvanceOnIdle(output);
                }
                else
                {
                    var end = false;
                    var latest = clock() + maxFutureSkewMs;
                    foreach (var input in batch)
                    {
                        if (input.Transaction is { } t)
                        {
                            AddIfPlausible(aggregator, t, latest, horizon, output);
                        }

                        end |= input.EndOfInput;
                    }

                    aggregator.AdvanceWatermark(output);
                    if (end)
                    {
                        aggregator.AdvanceTo(long.MaxValue - 1, output);
                    }
                }

                return new WindowPartials(source, output, aggregator.Watermark, isIdle);
            })
            .Where(p =>
            {
                // Report every change of content, watermark or idleness; drop repeats of the same idle report.
                if (p.Partials.Count == 0 && p.Watermark == lastSentWatermark && p.Idle == lastSentIdle)
                {
                    return false;
                }

                lastSentWatermark = p.Watermark;
                lastSentIdle = p.Idle;
                return true;
            });
    }
}
