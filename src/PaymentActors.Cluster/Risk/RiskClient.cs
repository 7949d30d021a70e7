using Akka.Actor;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>Typed async façade for risk rules (the rules singleton) and alerts (the alert collector singleton).</summary>
public sealed class RiskClient(IActorRef rulesAdmin, IActorRef alertCollector, TimeSpan? timeout = null)
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(20);

    /// <summary>Adds or changes a rule (JSON, docs/RISK.md); refused with the reason when malformed or not newer.</summary>
    /// <param name="author">Recorded in the audit log: a certificate subject or an API key name.</param>
    public Task<RiskRulesReply> PutRuleAsync(string ruleJson, string author = "unknown", CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RiskRulesReply>(new PutRiskRule(ruleJson, author), _timeout, cancellationToken);

    public Task<RiskRulesReply> DisableRuleAsync(string ruleId, string author = "unknown", CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RiskRulesReply>(new DisableRiskRule(ruleId, author), _timeout, cancellationToken);

    /// <summary>A rule change as built (and signed, on a secured cluster) by <see cref="Security.RuleChangeSigning"/>.</summary>
    public Task<RiskRulesReply> ChangeAsync(PutRiskRule put, CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RiskRulesReply>(put, _timeout, cancellationToken);

    public Task<RiskRulesReply> ChangeAsync(DisableRiskRule disable, CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RiskRulesReply>(disable, _timeout, cancellationToken);

    /// <summary>The newest rule changes (JSON Lines, oldest first).</summary>
    public Task<RulesAuditReply> GetAuditAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RulesAuditReply>(new GetRulesAudit(limit), _timeout, cancellationToken);

    public Task<RiskRulesReply> GetRulesAsync(CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RiskRulesReply>(GetRiskRules.Instance, _timeout, cancellationToken);

    public Task<AlertsReply> GetAlertsAsync(string? accountId = null, long fromMs = long.MinValue, long toMs = long.MaxValue, int limit = 1_000,
        CancellationToken cancellationToken = default) =>
        alertCollector.Ask<AlertsReply>(new GetAlerts(accountId, fromMs, toMs, limit), _timeout, cancellationToken);
}
