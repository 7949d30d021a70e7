using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Identifiers;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Tests.Identifiers;

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("C1234567890")]
    [InlineData("M1979787155")]
    [InlineData("acct-42_eu.main:1")]
    [InlineData("Zürich Konto 7")]
    [InlineData("口座-東京")]
    [InlineData("😀-wallet")]
    [InlineData("\u0915\u093F-7")]
    public void Printable_nfc_ids_are_accepted(string id)
    {
        Assert.True(Identifier.TryValidate(id, "accountId", out var error), error);
    }

    [Theory]
    [InlineData("VICTIM\u202E1", "accountId: contains an invisible format character U+202E at position 6")]
    [InlineData("VIC\u200BTIM", "accountId: contains an invisible format character U+200B at position 3")]
    [InlineData("\uFEFFA1", "accountId: contains an invisible format character U+FEFF at position 0")]
    [InlineData("A\u00001", "accountId: contains a control character U+0000 at position 1")]
    [InlineData("A\n1", "accountId: contains a control character U+000A at position 1")]
    [InlineData("A\u00A01", "accountId: contains a space other than U+0020 U+00A0 at position 1")]
    [InlineData("A\u20281", "accountId: contains a line or paragraph separator U+2028 at position 1")]
    [InlineData("A\uE0001", "accountId: contains a private-use character U+E000 at position 1")]
    [InlineData(" A1", "accountId: must not start or end with a space")]
    [InlineData("A1 ", "accountId: must not start or end with a space")]
    [InlineData("\u093FA", "accountId: must not start with a combining mark (U+093F)")]
    [InlineData("Zu\u0308rich", "accountId: is not in Unicode normalisation form C (NFC): U+0308 at position 2")]
    [InlineData("\u212B1", "accountId: is not in Unicode normalisation form C (NFC): U+212B at position 0")]
    [InlineData("a\u0316\u0301", "accountId: is not in Unicode normalisation form C (NFC): U+0301 at position 2")]
    [InlineData("\u0915\u093F\u0902", "accountId: has two combining marks in a row at position 2")]
    [InlineData("", "accountId: must not be empty")]
    public void Ids_breaking_the_grammar_are_rejected_with_field_and_reason(string id, string expected)
    {
        Assert.False(Identifier.TryValidate(id, "accountId", out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Every_printable_ascii_character_is_accepted_inside_an_id_and_the_first_one_past_them_is_not()
    {
        for (var c = ' '; c <= '~'; c++)
        {
            Assert.True(Identifier.TryValidate($"A{c}1", "accountId", out var error), $"U+{(int)c:X4}: {error}");
        }

        Assert.False(Identifier.TryValidate("A\u007F1", "accountId", out var delError));
        Assert.Equal("accountId: contains a control character U+007F at position 1", delError);
        Assert.False(Identifier.TryValidate(" ", "accountId", out var spaceError));
        Assert.Equal("accountId: must not start or end with a space", spaceError);
    }

    [Fact]
    public void A_lone_surrogate_is_rejected()
    {
        Assert.False(Identifier.TryValidate("A\uD800B", "transactionId", out var error));
        Assert.Equal("transactionId: contains an unpaired surrogate at position 1", error);
    }

    [Fact]
    public void Length_is_bounded_at_64()
    {
        Assert.True(Identifier.TryValidate(new string('a', 64), "transactionId", out _));
        Assert.False(Identifier.TryValidate(new string('a', 65), "transactionId", out var error));
        Assert.Equal("transactionId: longer than 64 characters", error);
    }

    [Theory]
    [InlineData("t\u202E1", "A1", "B1", "transactionId")]
    [InlineData("t1", "A\u200B1", "B1", "accountId")]
    [InlineData("t1", "A1", "B\u202E1", "counterparty")]
    public void A_request_with_a_bad_id_is_rejected_naming_the_field(string id, string account, string counterparty, string field)
    {
        var request = new TransactionRequest(id, account, TransactionType.Transfer, 100, "EUR", counterparty, 0);
        var reason = TransactionValidation.Validate(request, out _);
        Assert.NotNull(reason);
        Assert.Equal(RejectCode.InvalidField, reason.Code);
        Assert.StartsWith(field + ": contains an invisible format character", reason.Message);
    }

    [Fact]
    public void A_merchant_counterparty_follows_the_grammar_too()
    {
        var request = new TransactionRequest("t1", "A1", TransactionType.Payment, 100, "EUR", "M\u200B1", 0);
        Assert.StartsWith("counterparty:", TransactionValidation.Validate(request, out _)!.Message);
    }
}
