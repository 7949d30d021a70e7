using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Protocol.Risk;

/// <summary>The cluster's rule set as replicated by Distributed Data (a last-writer-wins register).</summary>
public sealed record RuleSetDocument(long Version, string Json) : IPaymentsMessage;

/// <summary>Add or change one rule (JSON, docs/RISK.md); a change needs a higher version. Reply: <see cref="RiskRulesReply"/>.</summary>
public sealed record PutRiskRule(string RuleJson) : IPaymentsMessage;

/// <summary>Disable a rule (a new version with enabled = false). Reply: <see cref="RiskRulesReply"/>.</summary>
public sealed record DisableRiskRule(string RuleId) : IPaymentsMessage;

public sealed record GetRiskRules : IPaymentsMessage
{
    public static readonly GetRiskRules Instance = new();
}

/// <summary>The outcome of a rules command: the rule set in force afterwards, or why nothing changed.</summary>
public sealed record RiskRulesReply(bool Succeeded, string? Error, long Version, string Json) : IPaymentsMessage;

/// <summary>A flagged or risk-declined decision.</summary>
public sealed record Alert(
    string TransactionId,
    string AccountId,
    TransactionType Type,
    long AmountMinor,
    string Currency,
    long EventTimeMs,
    TransactionStatus Status,
    IReadOnlyList<RuleHit> Rules);

/// <summary>Account → alert collector, after the decision is durable; also the collector's persisted event.</summary>
public sealed record AlertRaised(Alert Alert) : IPaymentsMessage;

/// <summary>Alerts of one account (or all, when null) with event time in [FromMs, ToMs), newest first, at most Limit.</summary>
public sealed record GetAlerts(string? AccountId, long FromMs, long ToMs, int Limit) : IPaymentsMessage;

public sealed record AlertsReply(IReadOnlyList<Alert> Alerts, long Total) : IPaymentsMessage;

/// <summary>The alert collector's snapshot.</summary>
public sealed record AlertsSnapshot(IReadOnlyList<Alert> Alerts, long Total) : IPaymentsMessage;
