using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Tests;

/// <summary>FNV-1a names stored things (fingerprints, derived ids, offset keys): its values must never change.</summary>
public sealed class Fnv1aTests
{
    [Theory]
    [InlineData("", 0xcbf29ce484222325UL)]
    [InlineData("a", 0xaf63dc4c8601ec8cUL)]
    [InlineData("foobar", 0x85944171f73967e8UL)]
    public void Hash_matches_the_published_FNV_1a_64_test_vectors(string text, ulong expected) =>
        Assert.Equal(expected, Fnv1a.Of(text));

    [Fact]
    public void Appending_in_parts_equals_hashing_the_whole() =>
        Assert.Equal(Fnv1a.Of("foobar"), Fnv1a.Append(Fnv1a.Of("foo"), "bar"));

    [Fact]
    public void Transaction_fingerprints_keep_the_values_written_into_existing_journals()
    {
        Assert.Equal(0x50bd0d7f1445c436UL, Fingerprints.Of("C1", TransactionType.Payment, 18100, "USD", "C2"));
        Assert.Equal(0x3ad650dc7573b9d7UL, Fingerprints.Of("C1", TransactionType.Payment, -5, "EUR", null));
    }
}
