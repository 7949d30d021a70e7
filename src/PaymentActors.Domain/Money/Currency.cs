using System.Collections.Frozen;

namespace PaymentActors.Domain;

/// <summary>
/// An ISO 4217 currency with its minor-unit exponent (JPY 0, USD 2, KWD 3).
/// Instances are interned: compare by reference or by <see cref="Code"/>.
/// </summary>
public sealed class Currency : IEquatable<Currency>
{
    public string Code { get; }

    /// <summary>Number of decimal places of the minor unit (cents = 2).</summary>
    public int Exponent { get; }

    /// <summary>False for withdrawn codes (DEM, FRF …): known, but no longer accepted.</summary>
    public bool IsActive { get; }

    private Currency(string code, int exponent, bool isActive)
    {
        Code = code;
        Exponent = exponent;
        IsActive = isActive;
    }

    // Exponents from the ISO 4217 list. Not exhaustive: the codes payment systems commonly settle in.
    private static readonly FrozenDictionary<string, Currency> Known = new[]
    {
        Active("USD", 2), Active("EUR", 2), Active("GBP", 2), Active("CHF", 2), Active("CAD", 2),
        Active("AUD", 2), Active("NZD", 2), Active("SEK", 2), Active("NOK", 2), Active("DKK", 2),
        Active("PLN", 2), Active("CZK", 2), Active("HUF", 2), Active("RON", 2), Active("BGN", 2),
        Active("TRY", 2), Active("CNY", 2), Active("HKD", 2), Active("SGD", 2), Active("INR", 2),
        Active("IDR", 2), Active("MYR", 2), Active("PHP", 2), Active("THB", 2), Active("TWD", 2),
        Active("BRL", 2), Active("MXN", 2), Active("ARS", 2), Active("COP", 2), Active("PEN", 2),
        Active("ZAR", 2), Active("NGN", 2), Active("KES", 2), Active("EGP", 2), Active("MAD", 2),
        Active("AED", 2), Active("SAR", 2), Active("QAR", 2), Active("ILS", 2), Active("PKR", 2),
        Active("RUB", 2), Active("UAH", 2),
        Active("JPY", 0), Active("KRW", 0), Active("VND", 0), Active("CLP", 0), Active("ISK", 0),
        Active("UGX", 0), Active("XOF", 0), Active("XAF", 0), Active("PYG", 0),
        Active("BHD", 3), Active("KWD", 3), Active("OMR", 3), Active("JOD", 3), Active("TND", 3),
        Active("LYD", 3), Active("IQD", 3),
        // Withdrawn legacy codes: recognised so the error can say "inactive" rather than "unknown".
        Withdrawn("DEM", 2), Withdrawn("FRF", 2), Withdrawn("ITL", 0), Withdrawn("ESP", 0),
        Withdrawn("NLG", 2), Withdrawn("BEF", 0), Withdrawn("ATS", 2), Withdrawn("PTE", 0),
        Withdrawn("GRD", 0), Withdrawn("FIM", 2), Withdrawn("IEP", 2), Withdrawn("VEF", 2),
        Withdrawn("HRK", 2), Withdrawn("LTL", 2), Withdrawn("LVL", 2), Withdrawn("EEK", 2),
    }.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);

    private static Currency Active(string code, int exponent) => new(code, exponent, true);
    private static Currency Withdrawn(string code, int exponent) => new(code, exponent, false);

    public static readonly Currency USD = Known["USD"];
    public static readonly Currency EUR = Known["EUR"];
    public static readonly Currency JPY = Known["JPY"];
    public static readonly Currency KWD = Known["KWD"];
    public static readonly Currency BHD = Known["BHD"];

    /// <summary>Looks up an active currency; the error names the field and the rule.</summary>
    public static bool TryFind(string? code, out Currency currency, out string error)
    {
        currency = null!;
        if (string.IsNullOrWhiteSpace(code))
        {
            error = "currency: missing";
            return false;
        }

        if (!Known.TryGetValue(code, out var found))
        {
            var upper = code.Trim().ToUpperInvariant();
            if (upper.Length != 3 || !Known.TryGetValue(upper, out found))
            {
                error = $"currency: '{Truncate(code)}' is not a known ISO 4217 code";
                return false;
            }
        }

        if (!found.IsActive)
        {
            error = $"currency: '{found.Code}' is withdrawn (inactive) and no longer accepted";
            return false;
        }

        currency = found;
        error = "";
        return true;
    }

    public static Currency Of(string code) =>
        TryFind(code, out var c, out var error) ? c : throw new ArgumentException(error, nameof(code));

    private static string Truncate(string s) => s.Length <= 16 ? s : s[..16] + "…";

    public bool Equals(Currency? other) => other is not null && string.Equals(Code, other.Code, StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is Currency c && Equals(c);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Code);
    public override string ToString() => Code;
    public static bool operator ==(Currency? a, Currency? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Currency? a, Currency? b) => !(a == b);
}
