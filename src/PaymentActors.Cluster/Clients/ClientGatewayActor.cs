using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using PaymentActors.Domain.Ingestion;
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
/// <para>
/// Transactions get the event-time check of the file and HTTP entry points (<see cref="EventTimeRules"/>): one dated
/// more than the max future skew ahead of this node's clock, or older than the windows' retention, is answered
/// Rejected ("timestamp: …") here and never reaches its account. The account checks again (for paths that skip the
/// gateway); checking here too keeps a client's absurd dates from starting and recovering an account actor per id.
/// </para>
/// </summary>
public sealed class ClientGatewayActor : ReceiveActor
{
    public const string Name = "client-gateway";

    /// <summary>Where clients send (<c>ClusterClient.Send</c>): the same path on every node.</summary>
    public const string Path = "/user/" + Name;

    /// <summary>How long the status waits for the shard regions' statistics before answering without them.</summary>
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long the gateway waits for the account's answer to the accepted part of a batch it had to split.</summary>
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromSeconds(20);

    public static Props Props(IActorRef accounts, IActorRef windows, IActorRef alerts, IActorRef rules, string nodeRole, EventTimeBounds eventTime) =>
        Akka.Actor.Props.Create(() => new ClientGatewayActor(accounts, windows, alerts, rules, nodeRole, eventTime));

    public ClientGatewayActor(IActorRef accounts, IActorRef windows, IActorRef alerts, IActorRef rules, string nodeRole, EventTimeBounds eventTime)
    {
        var log = Context.GetLogger();
        Receive<SubmitTransaction>(m =>
        {
            if (eventTime.Check(m.Request.EventTimeMs) is { } refused)
            {
                Sender.Tell(EventTimeScreen.Refused(m.Request, refused));
                return;
            }

            accounts.Forward(m);
        });
        Receive<SubmitTransactionBatch>(m =>
        {
            var screen = EventTimeScreen.Of(m.Requests, eventTime);
            if (!screen.AnyRefused)
            {
                accounts.Forward(m);
            }
            else if (screen.Accepted.Count == 0)
            {
                Sender.Tell(new TransactionBatchOutcome(m.AccountId, screen.Merge([]), m.CorrelationId));
            }
            else
            {
                // Only the accepted requests go to the account; its answer comes back here to be merged with the refusals.
                var replyTo = Sender;
                SplitBatchAsync(accounts, m, screen).PipeTo(Self, success: outcome => new SplitBatchAnswered(replyTo, outcome));
            }
        });
        Receive<SplitBatchAnswered>(m =>
        {
            // No answer in time: none is sent either, and the client retries the batch (its ids make that safe).
            if (m.Outcome is { } outcome)
            {
                m.ReplyTo.Tell(outcome);
            }
        });
        Receive<GetAccount>(m => accounts.Forward(m));
        Receive<OpenAccount>(m => accounts.Forward(m));
        Receive<GetWindowResults>(m => windows.Forward(m));
        Receive<GetCollectorStatus>(m => windows.Forward(m));
        Receive<GetAlerts>(m => alerts.Forward(m));
        Receive<GetRiskRules>(m => rules.Forward(m));
        Receive<PutRiskRule>(m => rules.Forward(m));
        Receive<DisableRiskRule>(m => rules.Forward(m));
        Receive<GetRulesAudit>(m => rules.Forward(m));
        Receive<GetClusterStatus>(_ => StatusAsync(Akka.Cluster.Cluster.Get(Context.System), accounts, nodeRole).PipeTo(Sender));
        ReceiveAny(m => log.Warning("Client gateway: refused a {0} from {1}: not a client request", m.GetType().Name, Sender.Path.Address));
    }

    private sealed record SplitBatchAnswered(IActorRef ReplyTo, TransactionBatchOutcome? Outcome);

    private static async Task<TransactionBatchOutcome?> SplitBatchAsync(IActorRef accounts, SubmitTransactionBatch batch, EventTimeScreen screen)
    {
        try
        {
            var reply = await accounts.Ask<TransactionBatchOutcome>(batch with { Requests = screen.Accepted }, BatchTimeout);
            return reply with { Outcomes = screen.Merge(reply.Outcomes) };
        }
        catch (AskTimeoutException)
        {
            return null;
        }
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
