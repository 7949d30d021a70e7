namespace PaymentActors.Domain.Transactions;

/// <summary>The PaySim transaction set. Values are stable: they are persisted.</summary>
public enum TransactionType : byte
{
    /// <summary>Customer pays a merchant: debit, money leaves the ledger.</summary>
    Payment = 1,

    /// <summary>Customer to customer: debit the payer, credit the payee. Money stays in the ledger.</summary>
    Transfer = 2,

    /// <summary>Cash deposited through an agent: credit, money enters the ledger.</summary>
    CashIn = 3,

    /// <summary>Cash withdrawn through an agent: debit, money leaves the ledger.</summary>
    CashOut = 4,

    /// <summary>Sent to a bank account outside the ledger: debit, money leaves the ledger.</summary>
    Debit = 5,
}

public static class TransactionTypes
{
    public static bool TryParse(ReadOnlySpan<char> text, out TransactionType type)
    {
        text = text.Trim();
        type = text switch
        {
            _ when text.Equals("PAYMENT", StringComparison.OrdinalIgnoreCase) => TransactionType.Payment,
            _ when text.Equals("TRANSFER", StringComparison.OrdinalIgnoreCase) => TransactionType.Transfer,
            _ when text.Equals("CASH_IN", StringComparison.OrdinalIgnoreCase) => TransactionType.CashIn,
            _ when text.Equals("CASH_OUT", StringComparison.OrdinalIgnoreCase) => TransactionType.CashOut,
            _ when text.Equals("DEBIT", StringComparison.OrdinalIgnoreCase) => TransactionType.Debit,
            _ => 0,
        };
        return type != 0;
    }

    public static string ToWire(this TransactionType type) => type switch
    {
        TransactionType.Payment => "PAYMENT",
        TransactionType.Transfer => "TRANSFER",
        TransactionType.CashIn => "CASH_IN",
        TransactionType.CashOut => "CASH_OUT",
        TransactionType.Debit => "DEBIT",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "type: unknown transaction type"),
    };

    /// <summary>True when the type moves money into the account; false when it takes money out.</summary>
    public static bool IsCredit(this TransactionType type) => type == TransactionType.CashIn;

    public static bool IsDefined(TransactionType type) => type is >= TransactionType.Payment and <= TransactionType.Debit;
}
