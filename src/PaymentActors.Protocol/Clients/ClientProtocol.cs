using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Protocol.Clients;

/// <summary>
/// Client → any node, through the cluster client receptionist: the cluster as that node sees it.
/// Reply: <see cref="ClusterStatusReply"/>. A client outside the cluster has no member list of its own.
/// </summary>
public sealed record GetClusterStatus : IPaymentsMessage
{
    public static readonly GetClusterStatus Instance = new();
}

/// <summary>One member as the answering node sees it; <paramref name="Status"/> is Akka's member status (Up, Leaving, …).</summary>
public sealed record ClusterMemberStatus(string Address, string Status, IReadOnlyList<string> Roles);

/// <summary>
/// Members, unreachable members, shards and entities per node (from the account region), and the node that runs
/// the cluster singletons (the oldest member with the payments role), as seen by <paramref name="Self"/>.
/// </summary>
public sealed record ClusterStatusReply(
    string Self,
    IReadOnlyList<ClusterMemberStatus> Members,
    IReadOnlyList<string> Unreachable,
    IReadOnlyDictionary<string, int> ShardsPerNode,
    IReadOnlyDictionary<string, int> EntitiesPerNode,
    string? SingletonNode) : IPaymentsMessage;
