using PaymentActors.Protocol.Risk;
using static PaymentActors.Protocol.Serialization.CommonFormat;
using P = PaymentActors.Protocol.Serialization.Proto;

namespace PaymentActors.Protocol.Serialization;

/// <summary>
/// Format 2 of the risk area (risk.proto): the replicated rule set and rule commands (remote), the alert
/// collector's event, queries and snapshot (persisted and remote).
/// </summary>
internal static class RiskFormat
{
    public static void Bind(FormatTwo f)
    {
        f.Bind<RuleSetDocument, P.RuleSetDocument>("K1v2", P.RuleSetDocument.Parser,
            m => new() { Version = m.Version, Json = m.Json },
            p => new(p.Version, p.Json));
        f.Bind<PutRiskRule, P.PutRiskRule>("K2v2", P.PutRiskRule.Parser,
            m => new() { RuleJson = m.RuleJson, Author = m.Author, Signature = SignatureToProto(m.Signature) },
            p => new(p.RuleJson, p.Author.Length == 0 ? "unknown" : p.Author, SignatureFromProto(p.Signature)));
        f.Bind<DisableRiskRule, P.DisableRiskRule>("K3v2", P.DisableRiskRule.Parser,
            m => new() { RuleId = m.RuleId, Author = m.Author, Signature = SignatureToProto(m.Signature) },
            p => new(p.RuleId, p.Author.Length == 0 ? "unknown" : p.Author, SignatureFromProto(p.Signature)));
        f.Bind<RuleChangeAudited, P.RuleChangeAudited>("K8v2", P.RuleChangeAudited.Parser,
            e => new()
            {
                AtMs = e.AtMs, Author = e.Author, Signer = e.Signer, Action = e.Action, RuleId = e.RuleId, RuleJson = e.RuleJson,
                FromVersion = e.FromVersion, ToVersion = e.ToVersion, AppliedOn = e.AppliedOn, Nodes = e.Nodes, Nonce = e.Nonce,
            },
            p => new(p.AtMs, p.Author, p.Signer, p.Action, p.RuleId, p.RuleJson, p.FromVersion, p.ToVersion, p.AppliedOn, p.Nodes, p.Nonce));
        f.Bind<GetRulesAudit, P.GetRulesAudit>("K6v2", P.GetRulesAudit.Parser,
            q => new() { Limit = q.Limit },
            p => new(p.Limit));
        f.Bind<RulesAuditReply, P.RulesAuditReply>("K7v2", P.RulesAuditReply.Parser,
            r => new() { JsonLines = r.JsonLines },
            p => new(p.JsonLines));
        f.Bind<GetRiskRules, P.GetRiskRules>("K4v2", P.GetRiskRules.Parser,
            _ => new(),
            _ => GetRiskRules.Instance);
        f.Bind<RiskRulesReply, P.RiskRulesReply>("K5v2", P.RiskRulesReply.Parser,
            m => new() { Succeeded = m.Succeeded, Error = m.Error, Version = m.Version, Json = m.Json, AppliedOn = m.AppliedOn, Nodes = m.Nodes },
            p => new(p.Succeeded, p.Error, p.Version, p.Json, p.AppliedOn, p.Nodes));

        f.Bind<AlertRaised, P.AlertRaised>("A1v2", P.AlertRaised.Parser,
            e => new() { Alert = AlertToProto(e.Alert) },
            p => new(AlertFromProto(Required(p.Alert, "alert"))));
        f.Bind<GetAlerts, P.GetAlerts>("A2v2", P.GetAlerts.Parser,
            q => new() { AccountId = q.AccountId, FromMs = q.FromMs, ToMs = q.ToMs, Limit = q.Limit },
            p => new(p.AccountId, p.FromMs, p.ToMs, p.Limit));
        f.Bind<AlertsReply, P.AlertsReply>("A3v2", P.AlertsReply.Parser,
            r => new() { Alerts = { r.Alerts.Select(AlertToProto) }, Total = r.Total },
            p => new(p.Alerts.Select(AlertFromProto).ToArray(), p.Total));
        f.Bind<AlertsSnapshot, P.AlertsSnapshot>("A4v2", P.AlertsSnapshot.Parser,
            s => new() { Alerts = { s.Alerts.Select(AlertToProto) }, Total = s.Total, LedgerOffset = s.LedgerOffset },
            p => new(p.Alerts.Select(AlertFromProto).ToArray(), p.Total, p.LedgerOffset));
        f.Bind<AlertsProjected, P.AlertsProjected>("A5v2", P.AlertsProjected.Parser,
            e => new() { Alerts = { e.Alerts.Select(AlertToProto) }, LedgerOffset = e.LedgerOffset },
            p => new(p.Alerts.Select(AlertFromProto).ToArray(), p.LedgerOffset));
    }

    private static P.RuleChangeSignature? SignatureToProto(RuleChangeSignature? s) => s is null
        ? null
        : new() { CertificateDer = s.CertificateDer, TimestampMs = s.TimestampMs, Nonce = s.Nonce, Signature = s.Signature };

    private static RuleChangeSignature? SignatureFromProto(P.RuleChangeSignature? p) =>
        p is null ? null : new(p.CertificateDer, p.TimestampMs, p.Nonce, p.Signature);

    private static P.Alert AlertToProto(Alert a) => new()
    {
        TransactionId = a.TransactionId,
        AccountId = a.AccountId,
        Type = (P.TransactionType)a.Type,
        AmountMinor = a.AmountMinor,
        Currency = a.Currency,
        EventTimeMs = a.EventTimeMs,
        Status = (P.TransactionStatus)a.Status,
        Rules = { a.Rules.Select(ToProto) },
    };

    private static Alert AlertFromProto(P.Alert a) =>
        new(a.TransactionId, a.AccountId, Type(a.Type), a.AmountMinor, a.Currency, a.EventTimeMs, Status(a.Status), Rules(a.Rules));
}
