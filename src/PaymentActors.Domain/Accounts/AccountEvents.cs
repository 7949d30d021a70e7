using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Accounts;

/// <summary>Marker for everything an account persists. Each has a fixed serializer manifest.</summary>
public interface IAccountEvent;

/// <param name="OpeningBalanceMinor">Balance brought in from outside the ledger (an external inflow).</param>
public sealed record AccountOpened(
    string AccountId, string Currency, long OverdraftLimitMinor, long OpeningBalanceMinor, long EventTimeMs) : IAccountEvent;

/// <summary>The account's own transaction was applied: CASH_IN adds, every other type subtracts.</summary>
/// <param name="Currency">The account's currency, so a reader of the journal (alerts, windows) needs no other event; "" in events written before it was added.</param>
public sealed record TransactionApproved(
    string TransactionId,
    TransactionType Type,
    long AmountMinor,
    string? Counterparty,
    long EventTimeMs,
    ulong Fingerprint,
    bool Flagged,
    IReadOnlyList<RuleHit> Rules,
    string Currency = "") : IAccountEvent;

/// <summary>A business decline (funds, risk), kept so a retry gets the same answer.</summary>
/// <param name="Currency">As in <see cref="TransactionApproved"/>.</param>
public sealed record TransactionDeclined(
    string TransactionId,
    TransactionType Type,
    long AmountMinor,
    string? Counterparty,
    long EventTimeMs,
    ulong Fingerprint,
    RejectCode Code,
    string Reason,
    IReadOnlyList<RuleHit> Rules,
    string Currency = "") : IAccountEvent;

/// <summary>Payee side of a TRANSFER: credited once per transfer id.</summary>
/// <param name="PayerBalanceBeforeMinor">The payer's balance before the debit: lets payee-side risk rules see a draining transfer.</param>
public sealed record TransferCredited(
    string TransferId, string PayerId, long AmountMinor, long EventTimeMs, long PayerBalanceBeforeMinor) : IAccountEvent;

/// <summary>Payer side: the payee confirmed the credit; the transfer leaves the outbox.</summary>
public sealed record TransferSettled(string TransferId) : IAccountEvent;

/// <summary>Payer side: the payee refused the credit; the debit is given back and the transfer leaves the outbox.</summary>
public sealed record TransferReversed(string TransferId, long AmountMinor, string Reason) : IAccountEvent;
