using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using PaymentActors.Protocol.Accounts;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Clients;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Clients;

/// <summary>Registry key of the client gateway: on a node the gateway itself, on a client its <see cref="ClientGatewayFront"/>.</summary>
public sealed class ClientGateway;

/// <summary>
/// The one service a node offers to clients outside the cluster, registered with the cluster client receptionist
/// under <see cref="Path"/> on every node. It forwards what a client may ask (transactions, account and window
/// queries, alerts, rule commands) to the account region and the singletons, keeping the client as the sender so
/// the answer goes straight back, and answers <see cref="GetClusterStatus"/> itself. Anything else (transfer
/// credits, window partials, raised alerts: the nodes' own traffic) is refused and logged: a client certificate
/// lets a client do what the CLI does, not speak as a node.
/// </summary>
public sealed class ClientGatewayActor : ReceiveActor
{
    public const string Name = "client-gateway";

    /// <summary>Where clients send (<c>ClusterClient.Send</c>): the same path on every node.</summary>
    public const string Path = "/user/" + Name;

    /// <summary>How long the status waits for the shard regions' statistics before answering without them.</summary>
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(3);

    public static Props Props(IActorRef accounts, IActorRef windows, IActorRef alerts, IActorRef rules, string nodeRole) =>
        Akka.Actor.Props.Create(() => new ClientGatewayActor(accounts, windows, alerts, rules, nodeRole));

    public ClientGatewayActor(IActorRef accounts, IActorRef windows, IActorRef alerts, IActorRef rules, string nodeRole)
    {
        var log = Context.GetLogger();
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        Receive<SubmitTransaction>(m => accounts.Forward(m));
        Receive<SubmitTransactionBatch>(m => accounts.Forward(m));
        Receive<GetAccount>(m => accounts.Forward(m));
        Receive<OpenAccount>(m => accounts.Forward(m));
        Receive<GetWindowResults>(m => windows.Forward(m));
        Receive<GetCollectorStatus>(m => windows.Forward(m));
        Receive<GetAlerts>(m => alerts.Forward(m));
        Receive<GetRiskRules>(m => rules.Forward(m));
        Receive<PutRiskRule>(m => rules.Forward(m));
        Receive<DisableRiskRule>(m => rules.Forward(m));
        Receive<GetRulesAudit>(m => rules.Forward(m));
        Receive<GetClusterStatus>(_ => StatusAsync(cluster, accounts, nodeRole).PipeTo(Sender));
        ReceiveAny(m => log.Warning("Client gateway: refused a {0} from {1}: not a client request", m.GetType().Name, Sender.Path.Address));
    }

    private static async Task<ClusterStatusReply> StatusAsync(Akka.Cluster.Cluster cluster, IActorRef accounts, string nodeRole)
    {
        var state = cluster.State;
        IReadOnlyDictionary<Address, ShardRegionStats> regions;
        try
        {
            regions = (await accounts.Ask<ClusterShardingStats>(new GetClusterShardingStats(StatsTimeout), StatsTimeout + TimeSpan.FromSeconds(2))).Regions;
        }
        catch (AskTimeoutException)
        {
            regions = new Dictionary<Address, ShardRegionStats>();
        }

        // Cluster singletons run on the oldest member of their role.
        var oldest = state.Members.Where(m => m.HasRole(nodeRole)).OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault();
        return new ClusterStatusReply(
            cluster.SelfAddress.ToString(),
            state.Members.Select(m => new ClusterMemberStatus(m.Address.ToString(), m.Status.ToString(), m.Roles.ToArray())).ToArray(),
            state.Unreachable.Select(m => m.Address.ToString()).ToArray(),
            regions.ToDictionary(r => r.Key.ToString(), r => r.Value.Stats.Count),
            regions.ToDictionary(r => r.Key.ToString(), r => r.Value.Stats.Values.Sum()),
            oldest?.Address.ToString());
    }
}
