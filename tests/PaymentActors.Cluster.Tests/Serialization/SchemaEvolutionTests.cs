using Google.Protobuf;
using Google.Protobuf.Reflection;
using PaymentActors.Cluster.Tests.Serialization.Evolution;
using PaymentActors.Domain.Accounts;
using PaymentActors.Protocol.Serialization;
using P = PaymentActors.Protocol.Serialization.Proto;

namespace PaymentActors.Cluster.Tests.Serialization;

/// <summary>
/// Adding a field to a persisted event keeps what is stored readable both ways: the next version of a message
/// (Evolution/evolution.proto, one field more) reads today's bytes, and today's serializer reads the next
/// version's bytes, ignoring the field it does not know.
/// </summary>
public sealed class SchemaEvolutionTests
{
    private readonly PaymentsSerializer _serializer = new(null!);

    [Theory]
    [InlineData(typeof(TransferReversedNext), typeof(P.TransferReversed))]
    [InlineData(typeof(AccountOpenedNext), typeof(P.AccountOpened))]
    public void The_next_version_keeps_every_field_of_today_with_its_number_and_type(Type next, Type today)
    {
        var nextFields = Descriptor(next).Fields.InFieldNumberOrder();
        foreach (var field in Descriptor(today).Fields.InFieldNumberOrder())
        {
            var same = nextFields.SingleOrDefault(f => f.FieldNumber == field.FieldNumber);
            Assert.True(same is not null && same.Name == field.Name && same.FieldType == field.FieldType,
                $"{next.Name}: field {field.FieldNumber} ({field.Name}) must keep its number, name and type");
        }

        Assert.True(nextFields.Count > Descriptor(today).Fields.InFieldNumberOrder().Count, $"{next.Name} adds a field");
    }

    [Fact]
    public void A_reader_of_the_next_version_reads_events_written_today_with_the_new_field_at_its_default()
    {
        var reversed = new TransferReversed("t-1", 12_345, "currency: EUR does not match");
        var next = TransferReversedNext.Parser.ParseFrom(_serializer.ToBinary(reversed));
        Assert.Equal(("t-1", 12_345L, "currency: EUR does not match", ""), (next.TransferId, next.AmountMinor, next.Reason, next.Note));

        var opened = new AccountOpened("C1", "KWD", 1_000, 5_000, 42);
        var openedNext = AccountOpenedNext.Parser.ParseFrom(_serializer.ToBinary(opened));
        Assert.Equal(("C1", "KWD", 1_000L, 5_000L, 42L), (openedNext.AccountId, openedNext.Currency, openedNext.OverdraftLimitMinor,
            openedNext.OpeningBalanceMinor, openedNext.EventTimeMs));
        Assert.Null(openedNext.Branch);
    }

    [Fact]
    public void Todays_serializer_reads_events_of_the_next_version_and_skips_the_field_it_does_not_know()
    {
        var manifest = _serializer.Manifest(new TransferReversed("x", 1, "r"));
        var written = new TransferReversedNext { TransferId = "t-1", AmountMinor = 12_345, Reason = "payee: closed", Note = "written by a newer node" };
        Assert.Equal(new TransferReversed("t-1", 12_345, "payee: closed"), _serializer.FromBinary(written.ToByteArray(), manifest));

        var openedNext = new AccountOpenedNext
        {
            AccountId = "C1", Currency = "JPY", OverdraftLimitMinor = 0, OpeningBalanceMinor = 100, EventTimeMs = 7,
            Branch = new Branch { Id = "b-9", Country = "JP" },
        };
        var opened = _serializer.FromBinary(openedNext.ToByteArray(), _serializer.Manifest(new AccountOpened("", "", 0, 0, 0)));
        Assert.Equal(new AccountOpened("C1", "JPY", 0, 100, 7), opened);
    }

    private static MessageDescriptor Descriptor(Type message) =>
        (MessageDescriptor)message.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
}
