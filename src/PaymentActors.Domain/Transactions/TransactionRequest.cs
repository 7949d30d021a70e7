namespace PaymentActors.Domain.Transactions;

/// <summary>
/// A transaction as a client submits it, addressed to the account it is decided by (the payer for
/// debits and transfers, the receiving account for CASH_IN). Amount and currency are kept raw here so
/// that the account can reject bad values with a reason instead of the caller failing to build one.
/// </summary>
/// <param name="TransactionId">Idempotency key: unique per transaction, 1–64 characters.</param>
/// <param name="AccountId">The account that decides (payer, or receiver of a CASH_IN).</param>
/// <param name="Counterparty">Payee of a TRANSFER (required), merchant or agent otherwise (optional).</param>
/// <param name="EventTimeMs">Event time, Unix milliseconds.</param>
/// <param name="OpeningBalanceMinor">Balance to open the account with if it has never been seen (imported ledgers such as PaySim); ignored once the account exists.</param>
public sealed record TransactionRequest(
    string TransactionId,
    string AccountId,
    TransactionType Type,
    long AmountMinor,
    string CurrencyCode,
    string? Counterparty,
    long EventTimeMs,
    long? OpeningBalanceMinor = null)
{
    public const int MaxIdLength = 64;

    /// <summary>
    /// Stable 64-bit fingerprint of the body (everything but the event time and opening hint), so that a
    /// resubmission can be told apart from a different transaction reusing an id.
    /// </summary>
    public ulong Fingerprint() => Fingerprints.Of(AccountId, Type, AmountMinor, CurrencyCode, Counterparty);
}
