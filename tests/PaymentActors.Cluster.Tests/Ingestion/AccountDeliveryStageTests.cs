using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Akka.TestKit.Xunit2;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Cluster.Tests.Ingestion;

/// <summary>The delivery stage against a probe standing in for the shard region: what it sends, when it resends, what it emits.</summary>
public sealed class AccountDeliveryStageTests : TestKit
{
    private static TransactionRequest Tx(string id, string account) =>
        new(id, account, TransactionType.CashIn, 100, "USD", null, 1_000);

    private static TransactionOutcome Applied(TransactionRequest r, bool duplicate = false) =>
        new(r.TransactionId, TransactionStatus.Approved, duplicate, RejectCode.None, null, 100, "USD", []);

    private static IReadOnlyList<TransactionOutcome> Answer(SubmitTransactionBatch batch, bool duplicate = false) =>
        batch.Requests.Select(r => Applied(r, duplicate)).ToList();

    private (TestPublisher.Probe<TransactionRequest> Upstream, TestSubscriber.Probe<TransactionOutcome> Downstream) Run(
        Akka.TestKit.TestProbe region, DeliverySettings settings)
    {
        var materializer = Sys.Materializer();
        return this.SourceProbe<TransactionRequest>()
            .Via(LedgerDelivery.Flow(region.Ref, settings))
            .ToMaterialized(this.SinkProbe<TransactionOutcome>(), Keep.Both)
            .Run(materializer);
    }

    [Fact]
    public void A_lightly_loaded_stage_sends_each_transaction_as_it_comes()
    {
        var region = CreateTestProbe();
        var (upstream, downstream) = Run(region, DeliverySettings.Default);
        downstream.Request(2);
        upstream.SendNext(Tx("t1", "A"));
        var first = region.ExpectMsg<SubmitTransactionBatch>(); // not held back to fill a group of 512
        Assert.Equal(["t1"], first.Requests.Select(r => r.TransactionId));
        region.Reply(new TransactionBatchOutcome("A", Answer(first), first.CorrelationId));
        Assert.Equal("t1", downstream.ExpectNext().TransactionId);

        upstream.SendNext(Tx("t2", "A"));
        Assert.Equal(["t2"], region.ExpectMsg<SubmitTransactionBatch>().Requests.Select(r => r.TransactionId));
    }

    [Fact]
    public void What_arrives_while_the_stage_is_full_goes_as_one_message_per_account_and_each_outcome_leaves_as_soon_as_those_before_it_are_in()
    {
        var region = CreateTestProbe();
        var (upstream, downstream) = Run(region, new DeliverySettings(GroupSize: 4, Parallelism: 2));
        downstream.Request(9);

        // Taken one by one while a whole group still fits (at most 8 in flight), five transactions fill the stage; the
        // next four wait upstream, gathered.
        var fillers = Enumerable.Range(0, 5).Select(i => Tx($"f{i}", "Z")).ToArray();
        foreach (var r in fillers)
        {
            upstream.SendNext(r);
        }

        var filled = Enumerable.Range(0, 5).Select(_ => region.ExpectMsg<SubmitTransactionBatch>()).ToList();
        Assert.All(filled, b => Assert.Single(b.Requests));
        var stage = region.LastSender;
        var requests = new[] { Tx("t1", "A"), Tx("t2", "B"), Tx("t3", "A"), Tx("t4", "C") };
        foreach (var r in requests)
        {
            upstream.SendNext(r);
        }

        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        foreach (var batch in filled)
        {
            stage.Tell(new TransactionBatchOutcome(batch.AccountId, Answer(batch), batch.CorrelationId), region.Ref);
        }

        Assert.Equal(["f0", "f1", "f2", "f3", "f4"], downstream.ExpectNextN(5).Select(o => o.TransactionId));

        var batches = new[] { region.ExpectMsg<SubmitTransactionBatch>(), region.ExpectMsg<SubmitTransactionBatch>(), region.ExpectMsg<SubmitTransactionBatch>() };
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var forA = Assert.Single(batches, b => b.AccountId == "A");
        Assert.Equal(["t1", "t3"], forA.Requests.Select(r => r.TransactionId));
        Assert.Equal(3, batches.Select(b => b.CorrelationId).Distinct().Count());
        var forB = Assert.Single(batches, b => b.AccountId == "B");
        var forC = Assert.Single(batches, b => b.AccountId == "C");

        // C answers first: t4 waits for t1..t3 (input order).
        stage.Tell(new TransactionBatchOutcome("C", Answer(forC), forC.CorrelationId), region.Ref);
        downstream.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // A answers: t1 leaves at once, without waiting for B; t3 stays behind t2.
        stage.Tell(new TransactionBatchOutcome("A", Answer(forA), forA.CorrelationId), region.Ref);
        Assert.Equal("t1", downstream.ExpectNext().TransactionId);
        downstream.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        stage.Tell(new TransactionBatchOutcome("B", Answer(forB), forB.CorrelationId), region.Ref);
        Assert.Equal(["t2", "t3", "t4"], downstream.ExpectNextN(3).Select(o => o.TransactionId));
    }

    [Fact]
    public void An_unanswered_batch_is_resent_and_our_own_earlier_attempt_is_not_reported_as_a_duplicate()
    {
        var region = CreateTestProbe();
        var (upstream, downstream) = Run(region, new DeliverySettings(GroupSize: 1, AskTimeout: TimeSpan.FromMilliseconds(200)));
        downstream.Request(1);
        upstream.SendNext(Tx("t1", "A"));
        var first = region.ExpectMsg<SubmitTransactionBatch>();
        var again = region.ExpectMsg<SubmitTransactionBatch>(TimeSpan.FromSeconds(3)); // no answer: sent again
        Assert.Equal(first.CorrelationId, again.CorrelationId);
        Assert.Equal(first.Requests, again.Requests);

        // The account applied the first send; the second finds it applied and says "duplicate".
        region.Reply(new TransactionBatchOutcome("A", Answer(again, duplicate: true), again.CorrelationId));
        var outcome = downstream.ExpectNext();
        Assert.True(outcome.IsApplied);
        Assert.False(outcome.IsDuplicate);

        // A late answer to the first send changes nothing.
        region.Reply(new TransactionBatchOutcome("A", Answer(first), first.CorrelationId));
        downstream.Request(1);
        downstream.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void After_the_last_attempt_the_stream_fails_saying_the_outcome_is_unknown()
    {
        var region = CreateTestProbe();
        var (upstream, downstream) = Run(region, new DeliverySettings(GroupSize: 1, AskTimeout: TimeSpan.FromMilliseconds(100), MaxAttempts: 2));
        downstream.Request(1);
        upstream.SendNext(Tx("t1", "A"));
        region.ExpectMsg<SubmitTransactionBatch>();
        region.ExpectMsg<SubmitTransactionBatch>(TimeSpan.FromSeconds(3));
        var error = downstream.ExpectError();
        Assert.IsType<TimeoutException>(error);
        Assert.Contains("account A", error.Message);
        Assert.Contains("unknown", error.Message);
    }

    [Fact]
    public void In_flight_is_bounded_by_group_size_times_parallelism_in_transactions()
    {
        var region = CreateTestProbe();
        var (upstream, downstream) = Run(region, new DeliverySettings(GroupSize: 1, Parallelism: 2));
        downstream.Request(10);
        upstream.SendNext(Tx("t1", "A"));
        upstream.SendNext(Tx("t2", "B"));
        var first = region.ExpectMsg<SubmitTransactionBatch>();
        var stage = region.LastSender;
        region.ExpectMsg<SubmitTransactionBatch>();

        // Two transactions taken and not emitted: the third is not sent until one of them has left.
        upstream.SendNext(Tx("t3", "C"));
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        stage.Tell(new TransactionBatchOutcome("A", Answer(first), first.CorrelationId), region.Ref);
        Assert.Equal("t1", downstream.ExpectNext().TransactionId);
        Assert.Equal("C", region.ExpectMsg<SubmitTransactionBatch>().AccountId);
    }
}
