using PaymentActors.Domain.Accounts;

namespace PaymentActors.Domain.Transactions;

/// <summary>Field-level validation of a request; every error names the field and the rule.</summary>
public static class TransactionValidation
{
    public static bool TryValidateId(string? id, string field, out string error)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            error = $"{field}: must not be empty";
            return false;
        }

        if (id.Length > TransactionRequest.MaxIdLength)
        {
            error = $"{field}: longer than {TransactionRequest.MaxIdLength} characters";
            return false;
        }

        foreach (var ch in id)
        {
            if (char.IsControl(ch))
            {
                error = $"{field}: contains a control character";
                return false;
            }
        }

        error = "";
        return true;
    }

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
        else if (r.Counterparty is not null && r.Counterparty.Length > TransactionRequest.MaxIdLength)
        {
            return new RejectReason(RejectCode.InvalidField, $"counterparty: longer than {TransactionRequest.MaxIdLength} characters");
        }

        return null;
    }
}
