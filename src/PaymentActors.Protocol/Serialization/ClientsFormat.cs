using PaymentActors.Protocol.Clients;
using P = PaymentActors.Protocol.Serialization.Proto;

namespace PaymentActors.Protocol.Serialization;

/// <summary>Format 2 of the clients area (clients.proto): the cluster status a node answers to a client outside the cluster (remote only).</summary>
internal static class ClientsFormat
{
    public static void Bind(FormatTwo f)
    {
        f.Bind<GetClusterStatus, P.GetClusterStatus>("N1v2", P.GetClusterStatus.Parser,
            _ => new(),
            _ => GetClusterStatus.Instance);
        f.Bind<ClusterStatusReply, P.ClusterStatusReply>("N2v2", P.ClusterStatusReply.Parser,
            s => new()
            {
                Self = s.Self,
                Members = { s.Members.Select(m => new P.ClusterMemberStatus { Address = m.Address, Status = m.Status, Roles = { m.Roles } }) },
                Unreachable = { s.Unreachable },
                ShardsPerNode = { s.ShardsPerNode.ToDictionary() },
                EntitiesPerNode = { s.EntitiesPerNode.ToDictionary() },
                SingletonNode = s.SingletonNode,
            },
            p => new(
                p.Self,
                p.Members.Select(m => new ClusterMemberStatus(m.Address, m.Status, m.Roles.ToArray())).ToArray(),
                p.Unreachable.ToArray(),
                p.ShardsPerNode.ToDictionary(),
                p.EntitiesPerNode.ToDictionary(),
                p.SingletonNode));
    }
}
