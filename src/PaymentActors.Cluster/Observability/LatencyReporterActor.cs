using Akka.Actor;
using PaymentActors.Protocol.Observability;

namespace PaymentActors.Cluster.Observability;

/// <summary>
/// On every node, under <see cref="Name"/>: answers <see cref="GetNodeLatency"/> with this node's cumulative decision
/// count and latency buckets, so any node's dashboard can sum the cluster's. <see cref="On"/> is how a node reaches
/// another's reporter.
/// </summary>
public sealed class LatencyReporterActor : ReceiveActor
{
    public const string Name = "latency-reporter";

    /// <param name="read">What to answer (default: this process's <see cref="PaymentsMetrics"/>); tests hand in fixed counts.</param>
    public static Props Props(Func<(long Decided, long[] Buckets)>? read = null) =>
        Akka.Actor.Props.Create(() => new LatencyReporterActor(read ?? (() => ValueTuple.Create(PaymentsMetrics.DecidedTotal, PaymentsMetrics.LatencySnapshot()))));

    /// <summary>The reporter of the member at <paramref name="member"/>: a path lookup, as the reporter is a plain per-node actor (no registry spans nodes).</summary>
    public static ActorSelection On(ActorSystem system, Address member) =>
        system.ActorSelection(new RootActorPath(member) / "user" / Name);

    public LatencyReporterActor(Func<(long Decided, long[] Buckets)> read)
    {
        // The address other nodes know this one by (the remoting address, not the local "akka://name").
        var self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        Receive<GetNodeLatency>(_ =>
        {
            var (decided, buckets) = read();
            Sender.Tell(new NodeLatencyReply(self, decided, buckets));
        });
    }
}
