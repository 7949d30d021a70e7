using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using PaymentActors.Domain.Risk;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>Registry key of the risk-rules administrator singleton.</summary>
public sealed class RiskRulesAdmin;

public static class RiskRulesReplication
{
    /// <summary>The cluster-wide rule set: a last-writer-wins register, written only by the administrator singleton.</summary>
    public static readonly LWWRegisterKey<RuleSetDocument> Key = new("risk-rules");
}

/// <summary>
/// On every node: follows the replicated rule set and swaps it into the node's <see cref="RiskRulesHolder"/>,
/// so the next decision on this node uses it. No restart; a rule set older than the one in force is ignored.
/// </summary>
public sealed class RiskRulesSubscriber : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(RiskRulesHolder holder) => Akka.Actor.Props.Create(() => new RiskRulesSubscriber(holder));

    public RiskRulesSubscriber(RiskRulesHolder holder)
    {
        Receive<Changed>(changed =>
        {
            var document = changed.Get(RiskRulesReplication.Key).Value;
            var current = holder.Current is RuleSet set ? set.Version : 0;
            if (document is null || document.Version <= current)
            {
                return;
            }

            if (RuleSet.TryParse(document.Json, out var next, out var error))
            {
                holder.Replace(next);
                _log.Info("Risk rules v{0} in force on this node ({1} rules)", next.Version, next.Rules.Count);
            }
            else
            {
                _log.Error("Replicated risk rules v{0} refused: {1}", document.Version, error);
            }
        });
    }

    protected override void PreStart() =>
        DistributedData.Get(Context.System).Replicator.Tell(Dsl.Subscribe(RiskRulesReplication.Key, Self));
}

/// <summary>
/// Cluster singleton that changes the rule set: validates, versions, and writes it to the replicated
/// register with majority consistency; every node's <see cref="RiskRulesSubscriber"/> applies it. A
/// malformed rule is refused with the reason and nothing changes.
/// </summary>
public sealed class RiskRulesAdminActor : ReceiveActor
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly RiskRulesHolder _holder;

    public static Props Props(RiskRulesHolder holder) => Akka.Actor.Props.Create(() => new RiskRulesAdminActor(holder));

    public RiskRulesAdminActor(RiskRulesHolder holder)
    {
        _holder = holder;
        ReceiveAsync<PutRiskRule>(async put =>
        {
            var sender = Sender;
            if (!RuleSet.TryParseRule(put.RuleJson, out var rule, out var error))
            {
                sender.Tell(Refused(error));
                return;
            }

            await ChangeAsync(sender, current => current.With(rule!, out var e) is var next && e is null ? (next, null) : (current, e));
        });
        ReceiveAsync<DisableRiskRule>(async disable =>
            await ChangeAsync(Sender, current => current.Disable(disable.RuleId, out var e) is var next && e is null ? (next, null) : (current, e)));
        ReceiveAsync<GetRiskRules>(async _ =>
        {
            var sender = Sender;
            var current = await CurrentAsync();
            sender.Tell(new RiskRulesReply(true, null, current.Version, current.ToJson()));
        });
    }

    private RiskRulesReply Refused(string error) =>
        new(false, error, (_holder.Current as RuleSet)?.Version ?? 0, (_holder.Current as RuleSet)?.ToJson() ?? "");

    private async Task<RuleSet> CurrentAsync()
    {
        var replicator = DistributedData.Get(Context.System).Replicator;
        var response = await replicator.Ask<IGetResponse>(Dsl.Get(RiskRulesReplication.Key, new ReadMajority(Timeout)), Timeout + Timeout);
        if (response.IsSuccessful && response.Get(RiskRulesReplication.Key).Value is { } document
            && RuleSet.TryParse(document.Json, out var replicated, out _))
        {
            return replicated;
        }

        return _holder.Current as RuleSet ?? RuleSet.Default;
    }

    private async Task ChangeAsync(IActorRef sender, Func<RuleSet, (RuleSet Next, string? Error)> change)
    {
        var current = await CurrentAsync();
        var (next, error) = change(current);
        if (error is not null)
        {
            sender.Tell(new RiskRulesReply(false, error, current.Version, current.ToJson()));
            return;
        }

        var replicator = DistributedData.Get(Context.System).Replicator;
        var self = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
        var document = new RuleSetDocument(next.Version, next.ToJson());
        var update = await replicator.Ask<IUpdateResponse>(Dsl.Update(RiskRulesReplication.Key,
            new LWWRegister<RuleSetDocument>(self, document), new WriteMajority(Timeout),
            register => register.WithValue(self, document)), Timeout + Timeout);
        sender.Tell(update.IsSuccessful
            ? new RiskRulesReply(true, null, next.Version, document.Json)
            : new RiskRulesReply(false, "rules: the change did not reach a majority of nodes in time; retry", current.Version, current.ToJson()));
    }
}
