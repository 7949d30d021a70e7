using Akka.Actor;
using Akka.Persistence;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Analytics;

/// <summary>
/// Writes the end of a bounded input (a file replay) to the journal. It is sent only after the input's last decision
/// was durable, so its row comes after every one of them in the journal's order: a window projection that reads it has
/// read the whole input, and fires the windows holding the input's newest record (as a bounded source ends in Flink).
/// One persistence id per node incarnation.
/// </summary>
public sealed class BoundedInputMarker : ReceivePersistentActor
{
    public const string Name = "bounded-input-marker";
    private readonly string _persistenceId;

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new BoundedInputMarker(persistenceId));

    public BoundedInputMarker(string persistenceId)
    {
        _persistenceId = persistenceId;
        Recover<BoundedInputEnded>(_ => { });
        Command<BoundedInputEnded>(ended => Persist(ended, _ => { }));
    }

    public override string PersistenceId => _persistenceId;
}
