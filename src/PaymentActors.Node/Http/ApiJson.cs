using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Node.Http;

/// <summary>
/// The one vocabulary of what the HTTP API and the CLI print for accounts and outcomes: camelCase, the names of the HTTP
/// API (<c>accountId</c>, <c>isOpen</c>, <c>transactionId</c>, <c>eventTimeMs</c>), amounts as <c>…Minor</c>, types as
/// POST /transactions takes them (<c>CASH_OUT</c>), statuses as it answers them (<c>Approved</c>, <c>Declined</c>).
/// </summary>
public static class ApiJson
{
    public static object Account(AccountView view) => new
    {
        accountId = view.AccountId,
        isOpen = view.IsOpen,
        currency = view.Currency,
        balanceMinor = view.BalanceMinor,
        overdraftLimitMinor = view.OverdraftLimitMinor,
        version = view.Version,
        pendingTransfers = view.PendingTransfers,
        recent = view.Recent.Select(r => new
        {
            transactionId = r.TransactionId,
            type = r.Type.ToWire(),
            amountMinor = r.AmountMinor,
            deltaMinor = r.DeltaMinor,
            status = r.Status.ToString(),
            counterparty = r.Counterparty,
            eventTimeMs = r.EventTimeMs,
        }),
    };

    /// <summary>A submitted transaction's outcome (POST /transactions answers each line with these names and its <c>line</c>).</summary>
    public static object Outcome(TransactionOutcome o) => new
    {
        transactionId = o.TransactionId,
        status = o.Status.ToString(),
        duplicate = o.IsDuplicate,
        reason = o.Reason,
        balanceAfterMinor = o.BalanceAfterMinor,
        currency = o.Currency,
        rules = o.Rules.Select(r => r.ToString()),
    };
}
