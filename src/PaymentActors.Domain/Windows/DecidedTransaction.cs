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
/// A window key ("type:CASH_OUT/EUR") with its hash computed once: the window operators look keys up for every event,
/// and a string would be hashed again each time. Equal by name (ordinal), ordered by name.
/// </summary>
public sealed class WindowKey : IEquatable<WindowKey>, IComparable<WindowKey>
{
    private readonly int _hash;

    public WindowKey(string name)
    {
        Name = name;
        _hash = StringComparer.Ordinal.GetHashCode(name);
    }

    public string Name { get; }

    public bool Equals(WindowKey? other) => ReferenceEquals(this, other) || (other is not null && other._hash == _hash && string.Equals(other.Name, Name, StringComparison.Ordinal));

    public override bool Equals(object? obj) => Equals(obj as WindowKey);

    public override int GetHashCode() => _hash;

    public int CompareTo(WindowKey? other) => other is null ? 1 : string.CompareOrdinal(Name, other.Name);

    public override string ToString() => Name;
}

/// <summary>
/// The window keys a decided transaction counts under. Money of different currencies is never summed:
/// every key ends with the currency. Volume keys (all, type, merchant) count applied transactions
/// (approved and flagged); decision keys count every decision, declines included.
/// Keys are built once and reused (no string per event); the merchant keys, the only open-ended ones, are
/// forgotten wholesale past <see cref="MaxCachedMerchants"/> (a forgotten key is simply built again).
/// </summary>
public sealed class WindowDimensions
{
    public const int MaxCachedMerchants = 100_000;

    private readonly Dictionary<(TransactionStatus, string), WindowKey> _decisions = [];
    private readonly Dictionary<string, WindowKey> _all = new(StringComparer.Ordinal);
    private readonly Dictionary<(TransactionType, string), WindowKey> _types = [];
    private readonly Dictionary<(string, string), WindowKey> _merchants = [];

    public void KeysFor(DecidedTransaction t, List<WindowKey> keys)
    {
        var currency = t.Currency;
        if (!_decisions.TryGetValue((t.Status, currency), out var decision))
        {
            decision = _decisions[(t.Status, currency)] = new WindowKey("decision:" + StatusName(t.Status) + "/" + currency);
        }

        keys.Add(decision);
        if (t.Status is TransactionStatus.Approved or TransactionStatus.Flagged)
        {
            if (!_all.TryGetValue(currency, out var all))
            {
                all = _all[currency] = new WindowKey("all/" + currency);
            }

            keys.Add(all);
            if (!_types.TryGetValue((t.Type, currency), out var type))
            {
                type = _types[(t.Type, currency)] = new WindowKey("type:" + t.Type.ToWire() + "/" + currency);
            }

            keys.Add(type);
            if (t.Counterparty is { Length: > 0 } c && c[0] == 'M')
            {
                if (!_merchants.TryGetValue((c, currency), out var merchant))
                {
                    if (_merchants.Count >= MaxCachedMerchants)
                    {
                        _merchants.Clear();
                    }

                    merchant = _merchants[(c, currency)] = new WindowKey("merchant:" + c + "/" + currency);
                }

                keys.Add(merchant);
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
