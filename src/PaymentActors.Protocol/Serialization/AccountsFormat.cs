using PaymentActors.Domain.Accounts;
using PaymentActors.Protocol.Accounts;
using static PaymentActors.Protocol.Serialization.CommonFormat;
using P = PaymentActors.Protocol.Serialization.Proto;

namespace PaymentActors.Protocol.Serialization;

/// <summary>
/// Format 2 of the accounts area (accounts.proto): events and snapshot (persisted), commands and replies, transfer
/// watch (remote). Manifests are the format-1 ones with a "v2" suffix, so both formats are told apart by manifest.
/// </summary>
internal static class AccountsFormat
{
    public static void Bind(FormatTwo f)
    {
        // Events (persisted)
        f.Bind<AccountOpened, P.AccountOpened>("E1v2", P.AccountOpened.Parser,
            e => new() { AccountId = e.AccountId, Currency = e.Currency, OverdraftLimitMinor = e.OverdraftLimitMinor, OpeningBalanceMinor = e.OpeningBalanceMinor, EventTimeMs = e.EventTimeMs },
            p => new(p.AccountId, p.Currency, p.OverdraftLimitMinor, p.OpeningBalanceMinor, p.EventTimeMs));
        f.Bind<TransactionApproved, P.TransactionApproved>("E2v2", P.TransactionApproved.Parser,
            e => new()
            {
                TransactionId = e.TransactionId, Type = (P.TransactionType)e.Type, AmountMinor = e.AmountMinor, Counterparty = e.Counterparty,
                EventTimeMs = e.EventTimeMs, Fingerprint = e.Fingerprint, Flagged = e.Flagged, Rules = { e.Rules.Select(ToProto) },
                Currency = e.Currency,
            },
            p => new(p.TransactionId, Type(p.Type), p.AmountMinor, p.Counterparty, p.EventTimeMs, p.Fingerprint, p.Flagged, Rules(p.Rules), p.Currency));
        f.Bind<TransactionDeclined, P.TransactionDeclined>("E3v2", P.TransactionDeclined.Parser,
            e => new()
            {
                TransactionId = e.TransactionId, Type = (P.TransactionType)e.Type, AmountMinor = e.AmountMinor, Counterparty = e.Counterparty,
                EventTimeMs = e.EventTimeMs, Fingerprint = e.Fingerprint, Code = (P.RejectCode)e.Code, Reason = e.Reason, Rules = { e.Rules.Select(ToProto) },
                Currency = e.Currency,
            },
            p => new(p.TransactionId, Type(p.Type), p.AmountMinor, p.Counterparty, p.EventTimeMs, p.Fingerprint, Code(p.Code), p.Reason, Rules(p.Rules), p.Currency));
        f.Bind<TransferCredited, P.TransferCredited>("E4v2", P.TransferCredited.Parser,
            e => new() { TransferId = e.TransferId, PayerId = e.PayerId, AmountMinor = e.AmountMinor, EventTimeMs = e.EventTimeMs, PayerBalanceBeforeMinor = e.PayerBalanceBeforeMinor },
            p => new(p.TransferId, p.PayerId, p.AmountMinor, p.EventTimeMs, p.PayerBalanceBeforeMinor));
        f.Bind<TransferSettled, P.TransferSettled>("E5v2", P.TransferSettled.Parser,
            e => new() { TransferId = e.TransferId },
            p => new(p.TransferId));
        f.Bind<TransferReversed, P.TransferReversed>("E6v2", P.TransferReversed.Parser,
            e => new() { TransferId = e.TransferId, AmountMinor = e.AmountMinor, Reason = e.Reason },
            p => new(p.TransferId, p.AmountMinor, p.Reason));

        // Snapshot (persisted)
        f.Bind<AccountSnapshot, P.AccountSnapshot>("S1v2", P.AccountSnapshot.Parser, SnapshotToProto, SnapshotFromProto);

        // Commands and replies (remote)
        f.Bind<SubmitTransaction, P.SubmitTransaction>("C1v2", P.SubmitTransaction.Parser,
            c => new() { Request = ToProto(c.Request) },
            p => new(FromProto(Required(p.Request, "request"))));
        f.Bind<SubmitTransactionBatch, P.SubmitTransactionBatch>("C2v2", P.SubmitTransactionBatch.Parser,
            c => new() { AccountId = c.AccountId, Requests = { c.Requests.Select(ToProto) }, CorrelationId = c.CorrelationId, CountedBySender = c.CountedBySender },
            p => new(p.AccountId, p.Requests.Select(FromProto).ToArray(), p.CorrelationId, p.CountedBySender));
        f.Bind<OpenAccount, P.OpenAccount>("C3v2", P.OpenAccount.Parser,
            c => new() { AccountId = c.AccountId, Currency = c.Currency, OverdraftLimitMinor = c.OverdraftLimitMinor, OpeningBalanceMinor = c.OpeningBalanceMinor },
            p => new(p.AccountId, p.Currency, p.OverdraftLimitMinor, p.OpeningBalanceMinor));
        f.Bind<GetAccount, P.GetAccount>("C4v2", P.GetAccount.Parser,
            c => new() { AccountId = c.AccountId },
            p => new(p.AccountId));
        f.Bind<CreditTransfer, P.CreditTransfer>("C5v2", P.CreditTransfer.Parser,
            c => new()
            {
                AccountId = c.AccountId, TransferId = c.TransferId, PayerId = c.PayerId, AmountMinor = c.AmountMinor, Currency = c.Currency,
                EventTimeMs = c.EventTimeMs, PayerBalanceBeforeMinor = c.PayerBalanceBeforeMinor,
            },
            p => new(p.AccountId, p.TransferId, p.PayerId, p.AmountMinor, p.Currency, p.EventTimeMs, p.PayerBalanceBeforeMinor));
        f.Bind<TransferCreditResult, P.TransferCreditResult>("C6v2", P.TransferCreditResult.Parser,
            c => new() { AccountId = c.AccountId, TransferId = c.TransferId, Credited = c.Credited, Reason = c.Reason },
            p => new(p.AccountId, p.TransferId, p.Credited, p.Reason));
        f.Bind<TransactionOutcome, P.TransactionOutcome>("R1v2", P.TransactionOutcome.Parser, ToProto, FromProto);
        f.Bind<TransactionBatchOutcome, P.TransactionBatchOutcome>("R2v2", P.TransactionBatchOutcome.Parser,
            o => new() { AccountId = o.AccountId, Outcomes = { o.Outcomes.Select(ToProto) }, CorrelationId = o.CorrelationId },
            p => new(p.AccountId, p.Outcomes.Select(FromProto).ToArray(), p.CorrelationId));
        f.Bind<AccountOpenResult, P.AccountOpenResult>("R3v2", P.AccountOpenResult.Parser,
            r => new() { AccountId = r.AccountId, Succeeded = r.Succeeded, Reason = r.Reason },
            p => new(p.AccountId, p.Succeeded, p.Reason));
        f.Bind<AccountView, P.AccountView>("R4v2", P.AccountView.Parser,
            v => new()
            {
                AccountId = v.AccountId, IsOpen = v.IsOpen, Currency = v.Currency, BalanceMinor = v.BalanceMinor, OverdraftLimitMinor = v.OverdraftLimitMinor,
                Version = v.Version, PendingTransfers = v.PendingTransfers, Recent = { v.Recent.Select(ToProto) },
            },
            p => new(p.AccountId, p.IsOpen, p.Currency, p.BalanceMinor, p.OverdraftLimitMinor, p.Version, p.PendingTransfers, p.Recent.Select(FromProto).ToArray()));

        // Transfer watch (remote): payer <-> its transfer-watch entity
        f.Bind<WatchTransfers, P.WatchTransfers>("T1v2", P.WatchTransfers.Parser,
            m => new() { AccountId = m.AccountId },
            p => new(p.AccountId));
        f.Bind<UnwatchTransfers, P.UnwatchTransfers>("T2v2", P.UnwatchTransfers.Parser,
            m => new() { AccountId = m.AccountId },
            p => new(p.AccountId));
        f.Bind<SettlePendingTransfers, P.SettlePendingTransfers>("T3v2", P.SettlePendingTransfers.Parser,
            m => new() { AccountId = m.AccountId, Probe = m.Probe },
            p => new(p.AccountId, p.Probe));
        f.Bind<PendingTransfersReport, P.PendingTransfersReport>("T4v2", P.PendingTransfersReport.Parser,
            m => new() { AccountId = m.AccountId, Probe = m.Probe, Pending = m.Pending },
            p => new(p.AccountId, p.Probe, p.Pending));
    }

    private static P.AccountSnapshot SnapshotToProto(AccountSnapshot s) => new()
    {
        AccountId = s.AccountId,
        Currency = s.Currency,
        BalanceMinor = s.BalanceMinor,
        OverdraftLimitMinor = s.OverdraftLimitMinor,
        Version = s.Version,
        Processed =
        {
            s.Processed.Select(e => new P.ProcessedEntry
            {
                TransactionId = e.TransactionId,
                Fingerprint = e.Processed.Fingerprint,
                Status = (P.TransactionStatus)e.Processed.Status,
                Code = (P.RejectCode)e.Processed.Code,
                Reason = e.Processed.Reason,
                BalanceAfterMinor = e.Processed.BalanceAfterMinor,
                Rules = { e.Processed.Rules.Select(CommonFormat.ToProto) },
            }),
        },
        CreditedTransfers = { s.CreditedTransfers },
        Outbox =
        {
            s.Outbox.Select(t => new P.PendingTransfer
            {
                TransferId = t.TransferId, PayeeId = t.PayeeId, AmountMinor = t.AmountMinor, Currency = t.Currency,
                EventTimeMs = t.EventTimeMs, PayerBalanceBeforeMinor = t.PayerBalanceBeforeMinor,
            }),
        },
        Recent = { s.Recent.Select(CommonFormat.ToProto) },
        Incoming =
        {
            s.Incoming.Select(t => new P.IncomingTransfer
            {
                TransferId = t.TransferId, PayerId = t.PayerId, AmountMinor = t.AmountMinor, EventTimeMs = t.EventTimeMs,
                PayerBalanceBeforeMinor = t.PayerBalanceBeforeMinor,
            }),
        },
        KnownPayees = { s.KnownPayees },
    };

    private static AccountSnapshot SnapshotFromProto(P.AccountSnapshot s) => new(
        s.AccountId,
        s.Currency,
        s.BalanceMinor,
        s.OverdraftLimitMinor,
        s.Version,
        s.Processed.Select(e => new ProcessedEntry(e.TransactionId,
            new ProcessedTransaction(e.Fingerprint, Status(e.Status), Code(e.Code), e.Reason, e.BalanceAfterMinor, Rules(e.Rules)))).ToArray(),
        s.CreditedTransfers.ToArray(),
        s.Outbox.Select(t => new PendingTransfer(t.TransferId, t.PayeeId, t.AmountMinor, t.Currency, t.EventTimeMs, t.PayerBalanceBeforeMinor)).ToArray(),
        s.Recent.Select(CommonFormat.FromProto).ToArray(),
        s.Incoming.Select(t => new IncomingTransfer(t.TransferId, t.PayerId, t.AmountMinor, t.EventTimeMs, t.PayerBalanceBeforeMinor)).ToArray(),
        s.KnownPayees.ToArray());
}
