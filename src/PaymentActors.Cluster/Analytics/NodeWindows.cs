using PaymentActors.Cluster.Observability;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using PaymentActors.Domain.Analytics;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Analytics;

/// <param name="MaxOutOfOrderness">Watermark = max event time seen − this.</param>
/// <param name="IdleTimeout">No input for this long: the watermark advances to the max event time seen.</param>
public sealed record WindowSettings(IReadOnlyList<NamedWindow> Windows, TimeSpan MaxOutOfOrderness, TimeSpan IdleTimeout)
{
    public static readonly WindowSettings Default = new(NamedWindow.Defaults, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(2));
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
/// The node's window stage: every ingestion pipeline on this node attaches its decided transactions to
/// <see cref="Input"/> (a MergeHub: backpressured per producer), one stream aggregates them into partial
/// window results and sends them, with the stage's watermark, to the collector singleton.
/// </summary>
public sealed class NodeWindows
{
    private Sink<WindowInput, NotUsed>? _input;

    /// <summary>This stage's identity at the collector: node address and incarnation.</summary>
    public string SourceId { get; private set; } = "";

    public Sink<WindowInput, NotUsed> Input => _input ?? throw new InvalidOperationException("the window stage has not started yet");

    public void Start(ActorSystem system, IActorRef collector, WindowSettings settings)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        SourceId = $"{cluster.SelfAddress}#{cluster.SelfUniqueAddress.Uid}";
        var source = SourceId;
        var forwarder = system.ActorOf(PartialsForwarder.Props(collector, TimeSpan.FromSeconds(2)), "window-partials-forwarder");
        _input = MergeHub.Source<WindowInput>(perProducerBufferSize: 256)
            .Via(Flow(settings, source))
            .To(Sink.ForEach<WindowPartials>(p => forwarder.Tell(p)))
            .Run(system.Materializer());
    }

    /// <summary>The window stage itself: decided transactions in, partials (with watermark) out. Bounded state.</summary>
    public static Flow<WindowInput, WindowPartials, NotUsed> Flow(WindowSettings settings, string source)
    {
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
                    foreach (var input in batch)
                    {
                        if (input.Transaction is { } t)
                        {
                            aggregator.Add(t, output);
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

/// <summary>
/// Between the node's window stage and the collector singleton: numbers each batch, keeps it until the
/// collector acknowledges it as durable, and resends what is unacknowledged (in order) every
/// <c>resendInterval</c>. So a collector that dies, or a singleton that moves, loses no partial.
/// </summary>
public sealed class PartialsForwarder : ReceiveActor, IWithTimers
{
    private const string ResendTimer = "resend";
    private readonly LinkedList<WindowPartials> _unacknowledged = new();
    private long _sequence;

    public static Props Props(IActorRef collector, TimeSpan resendInterval) =>
        Akka.Actor.Props.Create(() => new PartialsForwarder(collector, resendInterval));

    public PartialsForwarder(IActorRef collector, TimeSpan resendInterval)
    {
        Receive<WindowPartials>(batch =>
        {
            var numbered = batch with { Sequence = ++_sequence };
            _unacknowledged.AddLast(numbered);
            PaymentsMetrics.ForwarderBacklog(_unacknowledged.Count);
            collector.Tell(numbered);
            if (!Timers.IsTimerActive(ResendTimer))
            {
                Timers.StartPeriodicTimer(ResendTimer, Resend.Instance, resendInterval);
            }
        });
        Receive<WindowPartialsAck>(ack =>
        {
            while (_unacknowledged.First is { } first && first.Value.Sequence <= ack.Sequence)
            {
                _unacknowledged.RemoveFirst();
            }

            PaymentsMetrics.ForwarderBacklog(_unacknowledged.Count);
        });
        Receive<Resend>(_ =>
        {
            if (_unacknowledged.Count == 0)
            {
                Timers.Cancel(ResendTimer);
                return;
            }

            foreach (var batch in _unacknowledged)
            {
                collector.Tell(batch);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public int Unacknowledged => _unacknowledged.Count;

    private sealed class Resend
    {
        public static readonly Resend Instance = new();
    }
}
