using PaymentActors.Domain.Accounts;

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
/// <param name="OpeningOverdraftMinor">Overdraft limit to open the account with if it has never been seen (the import policy, <see cref="Ingestion.ImportPolicy"/>);
/// null: the node's default; ignored once the account exists.</param>
public sealed record TransactionRequest(
    string TransactionId,
    string AccountId,
    TransactionType Type,
    long AmountMinor,
    string CurrencyCode,
    string? Counterparty,
    long EventTimeMs,
    long? OpeningBalanceMinor = null,
    long? OpeningOverdraftMinor = null)
{
    public const int MaxIdLength = Identifiers.Identifier.MaxLength;

    /// <summary>
    /// Stable 64-bit fingerprint of the body (everything but the event time and opening hint), so that a
    /// resubmission can be told apart from a different transaction reusing an id.
    /// </summary>
    public ulong Fingerprint() => Fingerprints.Of(AccountId, Type, AmountMinor, CurrencyCode, Counterparty);
}

/// <summary>Field-level validation of a request; every error names the field and the rule.</summary>
public static class TransactionValidation
{
    /// <summary>The id grammar of <see cref="Identifiers.Identifier"/>: printable, NFC, no control or format characters, at most 64.</summary>
    public static bool TryValidateId(string? id, string field, out string error) => Identifiers.Identifier.TryValidate(id, field, out error);

    /// <summary>Validates everything that does not depend on the account's state.</summary>
    public static RejectReason? Validate(TransactionRequest r, out Currency currency)
    {
        currency = null!;
        if (!TryValidateId(r.TransactionId, "transactionId", out var e))
        {
            return new RejectReason(RejectCode.InvalidField, e);
        }

        if (!TryValidateId(r.AccountId, "accountId", out e))
        {
            return new RejectReason(RejectCode.InvalidField, e);
        }

        if (!TransactionTypes.IsDefined(r.Type))
        {
            return new RejectReason(RejectCode.InvalidField, $"type: {(int)r.Type} is not a known transaction type");
        }

        if (!Currency.TryFind(r.CurrencyCode, out currency, out e))
        {
            return new RejectReason(RejectCode.InvalidField, e);
        }

        if (r.AmountMinor <= 0)
        {
            return new RejectReason(RejectCode.InvalidField, "amount: must be greater than zero");
        }

        if (r.OpeningBalanceMinor is < 0)
        {
            return new RejectReason(RejectCode.InvalidField, "openingBalance: must not be negative");
        }

        if (r.OpeningOverdraftMinor is < 0)
        {
            return new RejectReason(RejectCode.InvalidField, "openingOverdraft: must not be negative");
        }

        if (r.Type == TransactionType.Transfer)
        {
            if (!TryValidateId(r.Counterparty, "counterparty", out e))
            {
                return new RejectReason(RejectCode.InvalidField, e + " (a TRANSFER needs a payee account)");
            }

            if (string.Equals(r.Counterparty, r.AccountId, StringComparison.Ordinal))
            {
                return new RejectReason(RejectCode.InvalidField, "counterparty: payer and payee must differ");
            }
        }
        else if (!string.IsNullOrEmpty(r.Counterparty) && !TryValidateId(r.Counterparty, "counterparty", out e))
        {
            return new RejectReason(RejectCode.InvalidField, e);
        }

        return null;
    }
}
