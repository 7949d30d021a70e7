using Akka.Actor;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Analytics;

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
