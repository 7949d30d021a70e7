using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Windows;

/// <summary>A transaction after its account decided it (durably): the input of the analytics windows.</summary>
public sealed record DecidedTransaction(
    string TransactionId,
    TransactionType Type,
    long AmountMinor,
    string Currency,
    string? Counterparty,
    long EventTimeMs,
    TransactionStatus Status)
{
    public static DecidedTransaction? From(TransactionRequest request, TransactionOutcome outcome) =>
        outcome.IsDuplicate || outcome.Status is TransactionStatus.Rejected or TransactionStatus.Conflict
            ? null // not a new decision: nothing to count
            : new DecidedTransaction(request.TransactionId, request.Type, request.AmountMinor, outcome.Currency ?? request.CurrencyCode,
                request.Counterparty, request.EventTimeMs, outcome.Status);

    /// <summary>
    /// The decision a durable account event records (an approval, flagged or not, or a business decline), as the
    /// windows count it; null for every other event. <paramref name="accountCurrency"/> stands in for events written
    /// before they carried their currency.
    /// </summary>
    public static DecidedTransaction? From(IAccountEvent e, string? accountCurrency = null) => e switch
    {
        TransactionApproved a => new DecidedTransaction(a.TransactionId, a.Type, a.AmountMinor, a.Currency.Length > 0 ? a.Currency : accountCurrency ?? "",
            a.Counterparty, a.EventTimeMs, a.Flagged ? TransactionStatus.Flagged : TransactionStatus.Approved),
        TransactionDeclined d => new DecidedTransaction(d.TransactionId, d.Type, d.AmountMinor, d.Currency.Length > 0 ? d.Currency : accountCurrency ?? "",
            d.Counterparty, d.EventTimeMs, TransactionStatus.Declined),
        _ => null,
    };
}

/// <summary>
/// The window keys a decided transaction counts under. Money of different currencies is never summed:
/// every key ends with the currency. Volume keys (all, type, merchant) count applied transactions
/// (approved and flagged); decision keys count every decision, declines included.
/// </summary>
public static class WindowDimensions
{
    public static void KeysFor(DecidedTransaction t, List<string> keys)
    {
        var currency = t.Currency;
        keys.Add("decision:" + StatusName(t.Status) + "/" + currency);
        if (t.Status is TransactionStatus.Approved or TransactionStatus.Flagged)
        {
            keys.Add("all/" + currency);
            keys.Add("type:" + t.Type.ToWire() + "/" + currency);
            if (t.Counterparty is { Length: > 0 } c && c[0] == 'M')
            {
                keys.Add("merchant:" + c + "/" + currency);
            }
        }
    }

    public static string StatusName(TransactionStatus status) => status switch
    {
        TransactionStatus.Approved => "approved",
        TransactionStatus.Flagged => "flagged",
        TransactionStatus.Declined => "declined",
        _ => "other",
    };
}
