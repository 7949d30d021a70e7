using Akka.Actor;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>Typed async façade for risk rules (the rules singleton) and alerts (the alert collector singleton).</summary>
public sealed class RiskClient(IActorRef rulesAdmin, IActorRef alertCollector, TimeSpan? timeout = null)
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(20);

    /// <summary>Adds or changes a rule (JSON, docs/RISK.md); refused with the reason when malformed or not newer.</summary>
    public Task<RiskRulesReply> PutRuleAsync(string ruleJson, CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RiskRulesReply>(new PutRiskRule(ruleJson), _timeout, cancellationToken);

    public Task<RiskRulesReply> DisableRuleAsync(string ruleId, CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RiskRulesReply>(new DisableRiskRule(ruleId), _timeout, cancellationToken);

    public Task<RiskRulesReply> GetRulesAsync(CancellationToken cancellationToken = default) =>
        rulesAdmin.Ask<RiskRulesReply>(GetRiskRules.Instance, _timeout, cancellationToken);

    public Task<AlertsReply> GetAlertsAsync(string? accountId = null, long fromMs = long.MinValue, long toMs = long.MaxValue, int limit = 1_000,
        CancellationToken cancellationToken = default) =>
        alertCollector.Ask<AlertsReply>(new GetAlerts(accountId, fromMs, toMs, limit), _timeout, cancellationToken);
}
