using Akka.Actor;
using Akka.Cluster.Tools.Client;

namespace PaymentActors.Cluster.Clients;

/// <summary>Registry key of the <see cref="ClusterClient"/> of a client outside the cluster.</summary>
public sealed class PaymentsClusterClient;

/// <summary>
/// On a client outside the cluster, the local stand-in for the nodes' <see cref="ClientGatewayActor"/>: every message
/// goes through the <see cref="ClusterClient"/> to the gateway (on the node whose receptionist the client is connected
/// to), with the original sender, so the answer comes back to whoever asked. The typed clients (PaymentsClient,
/// WindowsClient, RiskClient) take this actor where in the cluster they take the region or a singleton proxy.
/// </summary>
public sealed class ClientGatewayFront : ReceiveActor
{
    public const string Name = "client-gateway-front";

    public static Props Props(IActorRef clusterClient) => Akka.Actor.Props.Create(() => new ClientGatewayFront(clusterClient));

    public ClientGatewayFront(IActorRef clusterClient)
    {
        // Local affinity: the gateway of the node the client is connected to answers, no hop to another node.
        ReceiveAny(m => clusterClient.Forward(new ClusterClient.Send(ClientGatewayActor.Path, m, localAffinity: true)));
    }
}
