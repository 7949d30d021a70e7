using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Akka.Persistence;
using PaymentActors.Cluster.Security;
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
/// Cluster singleton that changes the rule set: checks who asks, validates, versions, and writes it to the replicated
/// register with majority consistency; every node's <see cref="RiskRulesSubscriber"/> applies it. A malformed rule
/// is refused with the reason and nothing changes.
/// <para>
/// On a secured cluster (<paramref name="tls"/> given) a change must be signed (<see cref="RuleChangeSigning"/>): the
/// author recorded is the verified one, and an unsigned, forged or replayed change is refused with the reason.
/// Each applied change is persisted in this actor's own journal (<see cref="RuleChangeAudited"/>, persistence id
/// <see cref="PersistenceIdValue"/>) before it is answered; the audit queries read what the journal recovered, and
/// the <c>rules_audit</c> table and JSON Lines file get a copy.
/// </para>
/// </summary>
public sealed class RiskRulesAdminActor : ReceivePersistentActor
{
    public const string PersistenceIdValue = "risk-rules-audit";

    /// <summary>Entries kept in memory for the audit query (rule changes are rare; older ones stay in the journal and table).</summary>
    public const int MaxEntriesInMemory = 10_000;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly RiskRulesHolder _holder;
    private readonly RulesAuditLog _audit;
    private readonly ClusterTls? _tls;
    private readonly LinkedList<RuleChangeAudited> _entries = new();

    /// <summary>Nonces of signed changes seen within the clock-skew window (with their time), so a replay is refused.</summary>
    private readonly Dictionary<string, long> _nonces = new(StringComparer.Ordinal);

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(RiskRulesHolder holder, RulesAuditLog? audit = null, ClusterTls? tls = null) =>
        Akka.Actor.Props.Create(() => new RiskRulesAdminActor(holder, audit ?? new RulesAuditLog(null, false, null), tls));

    public override string PersistenceId => PersistenceIdValue;

    public RiskRulesAdminActor(RiskRulesHolder holder, RulesAuditLog audit, ClusterTls? tls)
    {
        _holder = holder;
        _audit = audit;
        _tls = tls;
        Recover<RuleChangeAudited>(Remember);
        Command<GetRulesAudit>(q =>
            Sender.Tell(new RulesAuditReply(string.Concat(_entries.Skip(Math.Max(0, _entries.Count - Math.Clamp(q.Limit, 1, MaxEntriesInMemory)))
                .Select(e => RuleAuditJson.ToJson(e) + "\n")))));
        CommandAsync<PutRiskRule>(async put =>
        {
            var sender = Sender;
            if (!Authenticate("put", put.RuleJson, put.Author, put.Signature, out var author, out var signer, out var nonce, out var refusal))
            {
                sender.Tell(Refused(refusal));
                return;
            }

            if (!RuleSet.TryParseRule(put.RuleJson, out var rule, out var error))
            {
                sender.Tell(Refused(error));
                return;
            }

            await ChangeAsync(sender, author, signer, nonce, "put", rule!.Id,
                current => current.With(rule!, out var e) is var next && e is null ? (next, null) : (current, e));
        });
        CommandAsync<DisableRiskRule>(async disable =>
        {
            var sender = Sender;
            if (!Authenticate("disable", disable.RuleId, disable.Author, disable.Signature, out var author, out var signer, out var nonce, out var refusal))
            {
                sender.Tell(Refused(refusal));
                return;
            }

            await ChangeAsync(sender, author, signer, nonce, "disable", disable.RuleId,
                current => current.Disable(disable.RuleId, out var e) is var next && e is null ? (next, null) : (current, e));
        });
        Command<Audit>(a => Persist(a.Entry, entry =>
        {
            Remember(entry);
            try
            {
                _audit.Append(entry);
            }
            catch (Exception e)
            {
                _log.Error(e, "Rules audit: the journal has it, the table/JSON Lines copy failed: {0}", RuleAuditJson.ToJson(entry));
            }

            _log.Info("Rules audit: {0}", RuleAuditJson.ToJson(entry));
            a.ReplyTo.Tell(a.Reply);
        }));
        CommandAsync<GetRiskRules>(async _ =>
        {
            var sender = Sender;
            var current = await CurrentAsync();
            sender.Tell(new RiskRulesReply(true, null, current.Version, current.ToJson()));
        });
    }

    /// <summary>An applied change to persist, then answer (a message to itself, so the journal write runs in a plain handler).</summary>
    private sealed record Audit(RuleChangeAudited Entry, IActorRef ReplyTo, RiskRulesReply Reply);

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // The change itself is in force (replicated); only its audit record failed. Say so in the log; the actor stops
        // and its supervisor starts it again, recovering the journal.
        _log.Error(cause, "Rules audit: could not persist {0}", @event is RuleChangeAudited e ? RuleAuditJson.ToJson(e) : @event);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    private void Remember(RuleChangeAudited entry)
    {
        _entries.AddLast(entry);
        if (_entries.Count > MaxEntriesInMemory)
        {
            _entries.RemoveFirst();
        }

        if (entry.Nonce.Length > 0)
        {
            _nonces[entry.Nonce] = entry.AtMs;
        }
    }

    /// <summary>Who asks: on a secured cluster the verified signer (or the HTTP principal a node signed for), else the declared author.</summary>
    private bool Authenticate(string action, string argument, string declared, RuleChangeSignature? signature,
        out string author, out string signer, out string nonce, out string error)
    {
        if (_tls is null)
        {
            // An insecure cluster (--insecure): no CA to check against; the declared author is recorded as it came.
            (author, signer, nonce, error) = (declared, "", "", "");
            return true;
        }

        var now = DateTimeOffset.UtcNow;
        nonce = signature?.Nonce ?? "";
        if (!RuleChangeSigning.TryVerify(_tls, action, argument, declared, signature, now, out author, out signer, out error))
        {
            _log.Warning("Rules: refused a {0} of '{1}' declared by '{2}': {3}", action, argument.Length > 64 ? argument[..64] + "…" : argument, declared, error);
            return false;
        }

        var window = (long)(RuleChangeSigning.MaxClockSkew.TotalMilliseconds * 2);
        foreach (var old in _nonces.Where(n => n.Value < now.ToUnixTimeMilliseconds() - window).Select(n => n.Key).ToList())
        {
            _nonces.Remove(old);
        }

        if (!_nonces.TryAdd(nonce, now.ToUnixTimeMilliseconds()))
        {
            error = "signature: nonce: used before (a replayed change)";
            _log.Warning("Rules: refused a replayed {0} signed by '{1}'", action, signer);
            return false;
        }

        return true;
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

    private async Task ChangeAsync(IActorRef sender, string author, string signer, string nonce, string action, string ruleId,
        Func<RuleSet, (RuleSet Next, string? Error)> change)
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
        var entry = new RuleChangeAudited(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), author, signer, action, ruleId, RuleJson(next, ruleId),
            current.Version, next.Version, appliedOn, nodes, nonce);
        Self.Tell(new Audit(entry, sender, new RiskRulesReply(true, null, next.Version, document.Json, appliedOn, nodes)));
    }

    /// <summary>The rule's definition as in force in <paramref name="set"/> (one line of JSON, as the rule set writes it), or empty.</summary>
    private static string RuleJson(RuleSet set, string ruleId)
    {
        using var document = JsonDocument.Parse(set.ToJson());
        var rule = document.RootElement.EnumerateObject()
            .Where(p => p.NameEquals("Rules") || p.NameEquals("rules")).SelectMany(p => p.Value.EnumerateArray())
            .FirstOrDefault(r => r.EnumerateObject().Any(p => (p.NameEquals("Id") || p.NameEquals("id")) && p.Value.GetString() == ruleId));
        return rule.ValueKind == JsonValueKind.Object ? JsonSerializer.Serialize(rule) : "";
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
