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

    /// <summary>The keys of one currency: the fixed ones by enum value, the merchants by name.</summary>
    private sealed class CurrencyKeys(string currency)
    {
        public readonly string Currency = currency;
        public readonly WindowKey All = new("all/" + currency);
        public readonly WindowKey?[] Decisions = new WindowKey?[byte.MaxValue + 1];
        public readonly WindowKey?[] Types = new WindowKey?[byte.MaxValue + 1];
        public readonly Dictionary<string, WindowKey> Merchants = new(StringComparer.Ordinal);
    }

    private readonly Dictionary<string, CurrencyKeys> _currencies = new(StringComparer.Ordinal);
    private CurrencyKeys? _last; // one currency usually follows another of the same
    private int _merchants;

    public void KeysFor(DecidedTransaction t, List<WindowKey> keys)
    {
        var currency = t.Currency;
        var of = _last is { } last && string.Equals(last.Currency, currency, StringComparison.Ordinal) ? last : CurrencyKeysOf(currency);
        keys.Add(of.Decisions[(byte)t.Status] ??= new WindowKey("decision:" + StatusName(t.Status) + "/" + currency));
        if (t.Status is TransactionStatus.Approved or TransactionStatus.Flagged)
        {
            keys.Add(of.All);
            keys.Add(of.Types[(byte)t.Type] ??= new WindowKey("type:" + t.Type.ToWire() + "/" + currency));
            if (t.Counterparty is { Length: > 0 } c && c[0] == 'M')
            {
                if (!of.Merchants.TryGetValue(c, out var merchant))
                {
                    if (_merchants >= MaxCachedMerchants)
                    {
                        foreach (var keysOfCurrency in _currencies.Values)
                        {
                            keysOfCurrency.Merchants.Clear();
                        }

                        _merchants = 0;
                    }

                    merchant = of.Merchants[c] = new WindowKey("merchant:" + c + "/" + currency);
                    _merchants++;
                }

                keys.Add(merchant);
            }
        }
    }

    private CurrencyKeys CurrencyKeysOf(string currency)
    {
        if (!_currencies.TryGetValue(currency, out var of))
        {
            of = _currencies[currency] = new CurrencyKeys(currency);
        }

        _last = of;
        return of;
    }

    public static string StatusName(TransactionStatus status) => status switch
    {
        TransactionStatus.Approved => "approved",
        TransactionStatus.Flagged => "flagged",
        TransactionStatus.Declined => "declined",
        _ => "other",
    };
}
