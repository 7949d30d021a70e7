using System.Globalization;

namespace PaymentActors.Domain;

/// <summary>
/// An amount of money as a whole number of minor units (cents, yen, fils) in one currency.
/// Never a binary floating point number: every operation is exact and overflow-checked.
/// </summary>
public readonly record struct Money(long Minor, Currency Currency)
{
    public static Money Zero(Currency currency) => new(0, currency);

    /// <summary>
    /// Parses a decimal string ("12.34", "-5", "1000.5") exactly into minor units. Rejects more decimals
    /// than the currency has, exponents, thousands separators, and amounts beyond the range of <see cref="long"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, Currency currency, out Money money, out string error)
    {
        money = default;
        if (!TryParseMinor(text, currency.Exponent, out var minor, out error))
        {
            return false;
        }

        money = new Money(minor, currency);
        return true;
    }

    public static Money Parse(string text, Currency currency) =>
        TryParse(text, currency, out var m, out var error) ? m : throw new FormatException(error);

    /// <summary>Exact decimal-string → minor units; <paramref name="error"/> names the field "amount".</summary>
    public static bool TryParseMinor(ReadOnlySpan<char> text, int exponent, out long minor, out string error)
    {
        minor = 0;
        text = text.Trim();
        if (text.IsEmpty)
        {
            error = "amount: missing";
            return false;
        }

        var negative = false;
        var i = 0;
        if (text[0] is '-' or '+')
        {
            negative = text[0] == '-';
            i = 1;
        }

        ulong whole = 0;
        var digits = 0;
        var fraction = 0;
        var seenPoint = false;
        // ulong accumulation with an explicit bound keeps the parse allocation-free and exact.
        const ulong limit = long.MaxValue;
        for (; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch == '.')
            {
                if (seenPoint)
                {
                    error = "amount: more than one decimal point";
                    return false;
                }

                seenPoint = true;
                continue;
            }

            if (ch is < '0' or > '9')
            {
                error = $"amount: '{Show(text)}' is not a decimal number";
                return false;
            }

            if (seenPoint)
            {
                fraction++;
                if (fraction > exponent)
                {
                    // Trailing zeros beyond the exponent are harmless ("1.230" in a 2-decimal currency).
                    if (ch == '0')
                    {
                        continue;
                    }

                    error = $"amount: '{Show(text)}' has more than {exponent} decimal(s) allowed for the currency";
                    return false;
                }
            }

            digits++;
            whole = whole * 10 + (ulong)(ch - '0');
            if (whole > limit)
            {
                error = $"amount: '{Show(text)}' overflows the range of minor units";
                return false;
            }
        }

        if (digits == 0)
        {
            error = $"amount: '{Show(text)}' is not a decimal number";
            return false;
        }

        var scale = Math.Min(fraction, exponent);
        for (var s = scale; s < exponent; s++)
        {
            whole *= 10;
            if (whole > limit)
            {
                error = $"amount: '{Show(text)}' overflows the range of minor units";
                return false;
            }
        }

        minor = negative ? -(long)whole : (long)whole;
        error = "";
        return true;
    }

    private static string Show(ReadOnlySpan<char> text) => text.Length <= 32 ? text.ToString() : text[..32].ToString() + "…";

    public bool TryAdd(Money other, out Money sum)
    {
        EnsureSameCurrency(other);
        try
        {
            sum = new Money(checked(Minor + other.Minor), Currency);
            return true;
        }
        catch (OverflowException)
        {
            sum = default;
            return false;
        }
    }

    public static Money operator +(Money a, Money b)
    {
        a.EnsureSameCurrency(b);
        return new Money(checked(a.Minor + b.Minor), a.Currency);
    }

    public static Money operator -(Money a, Money b)
    {
        a.EnsureSameCurrency(b);
        return new Money(checked(a.Minor - b.Minor), a.Currency);
    }

    private void EnsureSameCurrency(Money other)
    {
        if (Currency != other.Currency)
        {
            throw new InvalidOperationException($"currency: cannot combine {Currency} with {other.Currency}");
        }
    }

    /// <summary>Formats with exactly the currency's number of decimals, invariant culture ("1234.50 USD").</summary>
    public override string ToString() => $"{FormatMinor(Minor, Currency.Exponent)} {Currency.Code}";

    public static string FormatMinor(long minor, int exponent)
    {
        if (exponent == 0)
        {
            return minor.ToString(CultureInfo.InvariantCulture);
        }

        var negative = minor < 0;
        // Through decimal so long.MinValue formats without overflow.
        var abs = Math.Abs((decimal)minor);
        var text = abs.ToString(CultureInfo.InvariantCulture).PadLeft(exponent + 1, '0');
        var formatted = text[..^exponent] + "." + text[^exponent..];
        return negative ? "-" + formatted : formatted;
    }
}
