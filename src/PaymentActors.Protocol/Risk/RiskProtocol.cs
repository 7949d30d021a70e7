using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Protocol.Risk;

/// <summary>The cluster's rule set as replicated by Distributed Data (a last-writer-wins register).</summary>
public sealed record RuleSetDocument(long Version, string Json) : IPaymentsMessage;

/// <summary>Add or change one rule (JSON, docs/RISK.md); a change needs a higher version. Reply: <see cref="RiskRulesReply"/>.</summary>
/// <param name="Author">Who asks: the client certificate's subject (<c>cert:CN=…</c>, ask API) or the API key / token name (HTTP); recorded in the audit log.</param>
/// <param name="Signature">On a secured cluster, required: the signer's certificate and its signature over the command (see <c>RuleChangeSigning</c>).</param>
public sealed record PutRiskRule(string RuleJson, string Author = "unknown", RuleChangeSignature? Signature = null) : IPaymentsMessage;

/// <summary>Disable a rule (a new version with enabled = false). Reply: <see cref="RiskRulesReply"/>.</summary>
public sealed record DisableRiskRule(string RuleId, string Author = "unknown", RuleChangeSignature? Signature = null) : IPaymentsMessage;

/// <summary>
/// Proof of who sends a rule change: a certificate of the cluster's CA (DER, base64) and, with its private key, a
/// signature (base64) over the command, its author, <paramref name="TimestampMs"/> and a random <paramref name="Nonce"/>.
/// </summary>
public sealed record RuleChangeSignature(string CertificateDer, long TimestampMs, string Nonce, string Signature);

/// <summary>
/// The rules singleton's persisted event: one applied rule change. <paramref name="Author"/> is verified (the signer's
/// certificate subject, or the HTTP principal a node vouched for); <paramref name="Signer"/> is the signing certificate's
/// subject (empty on an insecure cluster); <paramref name="RuleJson"/> is the rule as in force after the change.
/// </summary>
public sealed record RuleChangeAudited(long AtMs, string Author, string Signer, string Action, string RuleId, string RuleJson,
    long FromVersion, long ToVersion, int AppliedOn, int Nodes, string Nonce) : IPaymentsMessage;

/// <summary>The newest rule changes from the audit log. Reply: <see cref="RulesAuditReply"/>.</summary>
public sealed record GetRulesAudit(int Limit) : IPaymentsMessage;

/// <summary>Audit entries as JSON Lines, oldest first.</summary>
public sealed record RulesAuditReply(string JsonLines) : IPaymentsMessage;

public sealed record GetRiskRules : IPaymentsMessage
{
    public static readonly GetRiskRules Instance = new();
}

/// <summary>The outcome of a rules command: the rule set in force afterwards, or why nothing changed.</summary>
/// <param name="AppliedOn">For a change: the number of nodes on which the new version was in force when the answer was sent.</param>
/// <param name="Nodes">For a change: the number of nodes (role payments, Up) at that moment.</param>
public sealed record RiskRulesReply(bool Succeeded, string? Error, long Version, string Json, int AppliedOn = 0, int Nodes = 0) : IPaymentsMessage;

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
/// <param name="LedgerOffset">The journal offset (global ordering) the collector's projection of the ledger had committed.</param>
public sealed record AlertsSnapshot(IReadOnlyList<Alert> Alerts, long Total, long LedgerOffset = 0) : IPaymentsMessage;

/// <summary>
/// The alert collector's persisted event when it reads alerts from the journal: the alerts found among the account
/// events up to <paramref name="LedgerOffset"/> (the journal's global ordering), committed in one write with that
/// offset, so a new collector resumes after it and never applies an event twice.
/// </summary>
public sealed record AlertsProjected(IReadOnlyList<Alert> Alerts, long LedgerOffset) : IPaymentsMessage;
