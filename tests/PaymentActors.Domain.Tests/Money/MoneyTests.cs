namespace PaymentActors.Domain.Tests.Money;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("12.34", "USD", 1234)]
    [InlineData("12", "USD", 1200)]
    [InlineData("12.3", "EUR", 1230)]
    [InlineData("1.230", "USD", 123)] // trailing zeros beyond the exponent are harmless
    [InlineData("-5", "USD", -500)]
    [InlineData("+5.01", "USD", 501)]
    [InlineData("100", "JPY", 100)]
    [InlineData("1.234", "KWD", 1234)]
    [InlineData("0.001", "BHD", 1)]
    [InlineData("92233720368547758.07", "USD", long.MaxValue)]
    public void Decimal_strings_parse_exactly_into_minor_units(string text, string currency, long minor)
    {
        Assert.True(Domain.Money.TryParse(text, Currency.Of(currency), out var money, out var error), error);
        Assert.Equal(minor, money.Minor);
        Assert.Equal(currency, money.Currency.Code);
    }

    [Theory]
    [InlineData("12.345", "USD", "more than 2 decimal")]
    [InlineData("1.5", "JPY", "more than 0 decimal")]
    [InlineData("1.2345", "KWD", "more than 3 decimal")]
    [InlineData("", "USD", "missing")]
    [InlineData("abc", "USD", "not a decimal number")]
    [InlineData("1.2.3", "USD", "more than one decimal point")]
    [InlineData("1e5", "USD", "not a decimal number")]
    [InlineData("1,000", "USD", "not a decimal number")]
    [InlineData(".", "USD", "not a decimal number")]
    [InlineData("92233720368547758.08", "USD", "overflows")]
    [InlineData("99999999999999999999", "JPY", "overflows")]
    public void Bad_amounts_are_rejected_naming_the_field(string text, string currency, string reason)
    {
        Assert.False(Domain.Money.TryParse(text, Currency.Of(currency), out _, out var error));
        Assert.StartsWith("amount:", error);
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData(123456, 2, "1234.56")]
    [InlineData(-5, 2, "-0.05")]
    [InlineData(7, 0, "7")]
    [InlineData(1, 3, "0.001")]
    [InlineData(long.MinValue, 2, "-92233720368547758.08")]
    public void Minor_units_format_with_the_currency_exponent(long minor, int exponent, string expected) =>
        Assert.Equal(expected, Domain.Money.FormatMinor(minor, exponent));

    [Fact]
    public void Arithmetic_is_overflow_checked_and_refuses_mixed_currencies()
    {
        var max = new Domain.Money(long.MaxValue, Currency.USD);
        Assert.Throws<OverflowException>(() => max + new Domain.Money(1, Currency.USD));
        Assert.False(max.TryAdd(new Domain.Money(1, Currency.USD), out _));
        Assert.Throws<InvalidOperationException>(() => new Domain.Money(1, Currency.USD) + new Domain.Money(1, Currency.EUR));
        Assert.Equal(new Domain.Money(3, Currency.EUR), new Domain.Money(1, Currency.EUR) + new Domain.Money(2, Currency.EUR));
    }

    [Theory]
    [InlineData("XXY", "not a known ISO 4217 code")]
    [InlineData("DEM", "withdrawn")]
    [InlineData("", "missing")]
    [InlineData("US", "not a known")]
    public void Unknown_or_withdrawn_currencies_are_refused(string code, string reason)
    {
        Assert.False(Currency.TryFind(code, out _, out var error));
        Assert.StartsWith("currency:", error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Currency_codes_are_case_insensitive_and_carry_their_exponent()
    {
        Assert.True(Currency.TryFind("kwd", out var kwd, out _));
        Assert.Equal(3, kwd.Exponent);
        Assert.Equal(0, Currency.JPY.Exponent);
        Assert.Equal(2, Currency.Of("EUR").Exponent);
    }
}
