using Akka.Actor;
using Akka.Cluster;
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

    /// <summary>Asked by the rules singleton after a change (a plain string over mutually authenticated remoting).</summary>
    public const string VersionQuery = "risk-rules-version?";

    public RiskRulesSubscriber(RiskRulesHolder holder)
    {
        Receive<string>(q => q == VersionQuery, _ => Sender.Tell((holder.Current as RuleSet)?.Version ?? 0L));
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
    private readonly RulesAuditLog _audit;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(RiskRulesHolder holder, RulesAuditLog? audit = null) =>
        Akka.Actor.Props.Create(() => new RiskRulesAdminActor(holder, audit ?? new RulesAuditLog(null, false, null)));

    public RiskRulesAdminActor(RiskRulesHolder holder, RulesAuditLog audit)
    {
        _holder = holder;
        _audit = audit;
        Receive<GetRulesAudit>(q =>
        {
            try
            {
                Sender.Tell(new RulesAuditReply(string.Concat(_audit.Read(q.Limit).Select(e => e.ToJson() + "\n"))));
            }
            catch (Exception e)
            {
                Sender.Tell(new Status.Failure(e));
            }
        });
        ReceiveAsync<PutRiskRule>(async put =>
        {
            var sender = Sender;
            if (!RuleSet.TryParseRule(put.RuleJson, out var rule, out var error))
            {
                sender.Tell(Refused(error));
                return;
            }

            await ChangeAsync(sender, put.Author, "put", rule!.Id, current => current.With(rule!, out var e) is var next && e is null ? (next, null) : (current, e));
        });
        ReceiveAsync<DisableRiskRule>(async disable =>
            await ChangeAsync(Sender, disable.Author, "disable", disable.RuleId,
                current => current.Disable(disable.RuleId, out var e) is var next && e is null ? (next, null) : (current, e)));
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

    private async Task ChangeAsync(IActorRef sender, string author, string action, string ruleId, Func<RuleSet, (RuleSet Next, string? Error)> change)
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
        // A write that timed out waiting for a majority is still applied locally and spreads by gossip: it took effect.
        // Only a failed modification or store leaves the rule set as it was.
        if (!update.IsSuccessful && update is not UpdateTimeout)
        {
            sender.Tell(new RiskRulesReply(false, $"rules: not applied: {update.GetType().Name}", current.Version, current.ToJson()));
            return;
        }

        var (appliedOn, nodes) = await CountAppliedAsync(next.Version);
        var entry = new RuleAuditEntry(DateTimeOffset.UtcNow, author, action, ruleId, current.Version, next.Version, appliedOn, nodes);
        try
        {
            _audit.Append(entry);
        }
        catch (Exception e)
        {
            _log.Error(e, "Rules audit: could not record {0}", entry.ToJson());
        }

        _log.Info("Rules audit: {0}", entry.ToJson());
        sender.Tell(new RiskRulesReply(true, null, next.Version, document.Json, appliedOn, nodes));
    }

    /// <summary>Asks every Up node's subscriber for the version in force, until all have <paramref name="version"/> or 5 s pass.</summary>
    private async Task<(int AppliedOn, int Nodes)> CountAppliedAsync(long version)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var members = cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole("payments")).ToList();
            var versions = await Task.WhenAll(members.Select(async m =>
            {
                try
                {
                    // A lookup by path: the subscriber is a plain per-node actor, not in the registry of the remote node.
                    return await Context.System.ActorSelection(new RootActorPath(m.Address) / "user" / "risk-rules-subscriber")
                        .Ask<long>(RiskRulesSubscriber.VersionQuery, TimeSpan.FromSeconds(2));
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    return -1L;
                }
            }));
            var applied = versions.Count(v => v >= version);
            if (applied == members.Count || DateTime.UtcNow >= deadline)
            {
                return (applied, members.Count);
            }

            await Task.Delay(200);
        }
    }
}
