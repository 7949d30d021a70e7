using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Domain.Tests.Ingestion;

public sealed class IngestionCountersTests
{
    private static TransactionOutcome Outcome(string id, TransactionStatus status, bool duplicate = false) =>
        new(id, status, duplicate, RejectCode.None, null, 0, "USD", []);

    [Fact]
    public void Records_read_and_not_answered_are_counted_apart_until_every_one_is_answered()
    {
        var counters = new IngestionCounters();
        for (var i = 0; i < 5; i++)
        {
            counters.OnRead();
        }

        counters.OnRejected(); // a dead letter
        counters.OnOutcome(Outcome("t1", TransactionStatus.Approved));
        counters.OnOutcome(Outcome("t2", TransactionStatus.Declined));
        Assert.False(counters.IdentityHolds);
        Assert.Equal(2, counters.Unanswered);

        counters.OnOutcome(Outcome("t3", TransactionStatus.Approved, duplicate: true));
        counters.OnOutcome(Outcome("t4", TransactionStatus.Flagged));
        Assert.True(counters.IdentityHolds);
        Assert.Equal(0, counters.Unanswered);
    }
}
