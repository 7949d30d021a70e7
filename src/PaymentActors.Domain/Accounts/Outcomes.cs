namespace PaymentActors.Domain.Accounts;

/// <summary>Final status of a submitted transaction. Values are persisted: never renumber.</summary>
public enum TransactionStatus : byte
{
    Approved = 1,

    /// <summary>Approved and applied, with a risk alert raised.</summary>
    Flagged = 2,

    /// <summary>A business decision (insufficient funds, risk block): persisted, remembered for idempotency.</summary>
    Declined = 3,

    /// <summary>Bad input (a field breaks a rule): nothing persisted, nothing remembered.</summary>
    Rejected = 4,

    /// <summary>The transaction id was already used for a different transaction body.</summary>
    Conflict = 5,
}

/// <summary>Machine-readable reason for a decline or rejection. Values are persisted.</summary>
public enum RejectCode : byte
{
    None = 0,
    InvalidField = 1,
    CurrencyMismatch = 2,
    InsufficientFunds = 3,
    RiskDeclined = 4,
    IdConflict = 5,
    BalanceOverflow = 6,
    AlreadyOpen = 7,
}

/// <summary>Why something was declined or rejected; <see cref="Message"/> starts with the field name.</summary>
public sealed record RejectReason(RejectCode Code, string Message);

/// <summary>A risk rule that fired: "rule id @ version: reason".</summary>
public sealed record RuleHit(string RuleId, int Version, string Reason)
{
    public override string ToString() => $"{RuleId}@{Version}: {Reason}";
}

/// <summary>The reply to a submitted transaction.</summary>
/// <param name="IsDuplicate">True when this id was seen before with the same body: nothing was applied now, and the rest is the original outcome.</param>
/// <param name="BalanceAfterMinor">Balance right after this transaction was decided (the original one for a duplicate).</param>
public sealed record TransactionOutcome(
    string TransactionId,
    TransactionStatus Status,
    bool IsDuplicate,
    RejectCode Code,
    string? Reason,
    long BalanceAfterMinor,
    string? Currency,
    IReadOnlyList<RuleHit> Rules)
{
    public bool IsApplied => Status is TransactionStatus.Approved or TransactionStatus.Flagged;

    public static TransactionOutcome Rejected(string transactionId, RejectReason reason, long balance, string? currency) =>
        new(transactionId, reason.Code == RejectCode.IdConflict ? TransactionStatus.Conflict : TransactionStatus.Rejected,
            false, reason.Code, reason.Message, balance, currency, []);
}
