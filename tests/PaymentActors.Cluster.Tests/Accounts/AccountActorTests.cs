using Akka.Actor;
using Akka.TestKit;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Accounts;

/// <summary>The account actor on its own, with a probe standing in for the shard region.</summary>
public sealed class AccountActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly AccountActorSettings FastRedelivery =
        new(AccountPolicy.Default, SnapshotEvery: 3, TransferRedeliveryInterval: TimeSpan.FromMilliseconds(200));

    private readonly TestProbe _region;

    public AccountActorTests(ITestOutputHelper output) : base(InMemoryPersistence.Config, output: output)
    {
        _region = CreateTestProbe("region");
    }

    private IActorRef Account(string id, string? name = null) =>
        Sys.ActorOf(AccountActor.Props(id, _region.Ref, FastRedelivery, RiskRulesHolder.None()), name ?? id);

    private static TransactionRequest Tx(string id, string account, TransactionType type, long amount, string? counterparty = null, string currency = "USD") =>
        new(id, account, type, amount, currency, counterparty, 1_000);

    private IActorRef UnderShard(Props child)
    {
        var shard = Sys.ActorOf(Props.Create(() => new ShardStandIn(child, TestActor)));
        shard.Tell(ShardStandIn.GetChild.Instance);
        return ExpectMsg<IActorRef>();
    }

    /// <summary>Parent of one account; forwards what the account sends its parent (Passivate) to the test and stops it as a shard would.</summary>
    private sealed class ShardStandIn : ReceiveActor
    {
        public ShardStandIn(Props child, IActorRef test)
        {
            var account = Context.ActorOf(child);
            Receive<GetChild>(_ => Sender.Tell(account));
            Receive<Akka.Cluster.Sharding.Passivate>(m =>
            {
                test.Forward(m);
                Context.Stop(account); // as the shard would
            });
            ReceiveAny(m => test.Forward(m));
        }

        public sealed class GetChild
        {
            public static readonly GetChild Instance = new();
        }
    }

    [Fact]
    public void Passivates_when_idle_but_not_while_a_transfer_it_sent_is_unanswered()
    {
        var settings = FastRedelivery with { IdleTimeout = TimeSpan.FromMilliseconds(300), TransferRedeliveryInterval = TimeSpan.FromSeconds(30) };
        // Under a stand-in for the shard: its Passivate request to its parent comes to the test actor.
        var idle = UnderShard(AccountActor.Props("idle-1", _region.Ref, settings, RiskRulesHolder.None()));
        Watch(idle);
        idle.Tell(new OpenAccount("idle-1", "USD", 0, 10_000));
        ExpectMsg<AccountOpenResult>();
        ExpectMsg<Akka.Cluster.Sharding.Passivate>(TimeSpan.FromSeconds(3));
        // Gone before the next part: on a slow machine its idle timeout can fire again before the stop lands, and that
        // second Passivate must not be taken for the next account's.
        FishForMessage(m => m is Terminated t && t.ActorRef.Equals(idle), TimeSpan.FromSeconds(3));

        var payer = UnderShard(AccountActor.Props("payer-1", _region.Ref, settings, RiskRulesHolder.None()));
        payer.Tell(new OpenAccount("payer-1", "USD", 0, 10_000));
        ExpectMsg<AccountOpenResult>();
        payer.Tell(new SubmitTransaction(Tx("x1", "payer-1", TransactionType.Transfer, 1_000, counterparty: "payee-1")));
        ExpectMsg<TransactionOutcome>(o => Assert.Equal(TransactionStatus.Approved, o.Status));
        var credit = _region.ExpectMsg<CreditTransfer>();
        ExpectNoMsg(TimeSpan.FromSeconds(1)); // idle for over 3 × the timeout, but it owes the payee an answer

        payer.Tell(new TransferCreditResult("payer-1", credit.TransferId, true, null));
        ExpectMsg<Akka.Cluster.Sharding.Passivate>(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void An_account_idle_past_compaction_decides_as_before_and_loses_nothing()
    {
        var settings = FastRedelivery with { CompactAfterIdle = TimeSpan.FromMilliseconds(100), TransferRedeliveryInterval = TimeSpan.FromSeconds(30) };
        var account = Sys.ActorOf(AccountActor.Props("compact-1", _region.Ref, settings, RiskRulesHolder.None()), "compact-1");
        account.Tell(new OpenAccount("compact-1", "USD", 0, 10_000));
        ExpectMsg<AccountOpenResult>(r => Assert.True(r.Succeeded));
        account.Tell(new SubmitTransaction(Tx("t1", "compact-1", TransactionType.Payment, 1_000)));
        Assert.Equal(9_000, ExpectMsg<TransactionOutcome>().BalanceAfterMinor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(400)); // idle: one copy of the state from here

        account.Tell(new SubmitTransaction(Tx("t1", "compact-1", TransactionType.Payment, 1_000)));
        Assert.True(ExpectMsg<TransactionOutcome>().IsDuplicate);
        account.Tell(new SubmitTransaction(Tx("x1", "compact-1", TransactionType.Transfer, 2_000, counterparty: "payee-9")));
        Assert.Equal(7_000, ExpectMsg<TransactionOutcome>().BalanceAfterMinor);
        var credit = _region.ExpectMsg<CreditTransfer>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(400)); // idle again, the transfer still pending

        account.Tell(new TransferCreditResult("compact-1", credit.TransferId, false, "refused"));
        account.Tell(new SubmitTransactionBatch("compact-1", [Tx("t2", "compact-1", TransactionType.Payment, 500), Tx("t1", "compact-1", TransactionType.Payment, 1_000)], 7));
        var batch = ExpectMsg<TransactionBatchOutcome>();
        Assert.Equal(8_500, batch.Outcomes[0].BalanceAfterMinor); // the reversal came first
        Assert.True(batch.Outcomes[1].IsDuplicate);
        ExpectNoMsg(TimeSpan.FromMilliseconds(400));

        account.Tell(new GetAccount("compact-1"));
        var view = ExpectMsg<AccountView>();
        Assert.Equal(8_500, view.BalanceMinor);
        Assert.Equal(0, view.PendingTransfers);
        Assert.Equal(5, view.Version); // opened, t1, x1, reversed, t2
    }

    [Fact]
    public void Approves_declines_and_answers_duplicates_with_the_original_outcome()
    {
        var account = Account("acc-1");
        account.Tell(new OpenAccount("acc-1", "USD", 0, 10_000));
        ExpectMsg<AccountOpenResult>(r => Assert.True(r.Succeeded));

        account.Tell(new SubmitTransaction(Tx("t1", "acc-1", TransactionType.Payment, 4_000)));
        var approved = ExpectMsg<TransactionOutcome>();
        Assert.Equal(TransactionStatus.Approved, approved.Status);
        Assert.Equal(6_000, approved.BalanceAfterMinor);

        account.Tell(new SubmitTransaction(Tx("t2", "acc-1", TransactionType.CashOut, 7_000)));
        var declined = ExpectMsg<TransactionOutcome>();
        Assert.Equal(TransactionStatus.Declined, declined.Status);
        Assert.Equal(RejectCode.InsufficientFunds, declined.Code);
        Assert.StartsWith("amount:", declined.Reason);

        account.Tell(new SubmitTransaction(Tx("t1", "acc-1", TransactionType.Payment, 4_000)));
        var duplicate = ExpectMsg<TransactionOutcome>();
        Assert.True(duplicate.IsDuplicate);
        Assert.Equal(TransactionStatus.Approved, duplicate.Status);
        Assert.Equal(6_000, duplicate.BalanceAfterMinor);

        account.Tell(new SubmitTransaction(Tx("t2", "acc-1", TransactionType.CashOut, 7_000)));
        var declinedAgain = ExpectMsg<TransactionOutcome>();
        Assert.True(declinedAgain.IsDuplicate);
        Assert.Equal(TransactionStatus.Declined, declinedAgain.Status);

        account.Tell(new SubmitTransaction(Tx("t1", "acc-1", TransactionType.Payment, 4_001)));
        Assert.Equal(TransactionStatus.Conflict, ExpectMsg<TransactionOutcome>().Status);

        account.Tell(new GetAccount("acc-1"));
        var view = ExpectMsg<AccountView>();
        Assert.Equal(6_000, view.BalanceMinor);
        Assert.Equal(3, view.Version); // opened, approved, declined
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_field_named_and_the_actor_lives_on()
    {
        var account = Account("acc-2");
        Watch(account);
        account.Tell(new SubmitTransaction(Tx("t1", "acc-2", TransactionType.CashIn, 100, currency: "XXY")));
        var unknownCurrency = ExpectMsg<TransactionOutcome>();
        Assert.Equal(TransactionStatus.Rejected, unknownCurrency.Status);
        Assert.StartsWith("currency:", unknownCurrency.Reason);

        account.Tell(new SubmitTransaction(Tx("t2", "acc-2", TransactionType.CashIn, -5)));
        Assert.StartsWith("amount:", ExpectMsg<TransactionOutcome>().Reason);

        account.Tell(new SubmitTransaction(Tx(new string('x', 65), "acc-2", TransactionType.CashIn, 5)));
        Assert.StartsWith("transactionId:", ExpectMsg<TransactionOutcome>().Reason);

        account.Tell(new SubmitTransaction(Tx("t3", "acc-2", TransactionType.Transfer, 5, counterparty: "acc-2")));
        Assert.StartsWith("counterparty:", ExpectMsg<TransactionOutcome>().Reason);

        account.Tell(new GetAccount("acc-2"));
        var view = ExpectMsg<AccountView>();
        Assert.False(view.IsOpen);
        Assert.Equal(0, view.Version); // nothing persisted
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // in particular no Terminated
    }

    [Fact]
    public void Batch_is_decided_in_order_and_replied_once_durable()
    {
        var account = Account("acc-3");
        account.Tell(new SubmitTransactionBatch("acc-3",
        [
            Tx("b1", "acc-3", TransactionType.CashIn, 1_000),
            Tx("b2", "acc-3", TransactionType.Payment, 600),
            Tx("b3", "acc-3", TransactionType.Payment, 600),
            Tx("b1", "acc-3", TransactionType.CashIn, 1_000),
        ]));
        var reply = ExpectMsg<TransactionBatchOutcome>();
        Assert.Equal([TransactionStatus.Approved, TransactionStatus.Approved, TransactionStatus.Declined, TransactionStatus.Approved],
            reply.Outcomes.Select(o => o.Status));
        Assert.True(reply.Outcomes[3].IsDuplicate);
        Assert.Equal(400, reply.Outcomes[1].BalanceAfterMinor);
    }

    [Fact]
    public void State_is_identical_after_the_actor_is_stopped_and_recovered()
    {
        var account = Account("acc-4", "acc-4-a");
        for (var i = 0; i < 10; i++)
        {
            account.Tell(new SubmitTransaction(Tx($"r{i}", "acc-4", i % 3 == 0 ? TransactionType.Payment : TransactionType.CashIn, 100 + i)));
        }

        ReceiveN(10);
        account.Tell(new GetAccount("acc-4"));
        var before = ExpectMsg<AccountView>();
        Watch(account);
        Sys.Stop(account);
        ExpectTerminated(account);

        var recovered = Account("acc-4", "acc-4-b");
        recovered.Tell(new GetAccount("acc-4"));
        var after = ExpectMsg<AccountView>();
        Assert.Equal(before.BalanceMinor, after.BalanceMinor);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Recent.Select(r => r.TransactionId), after.Recent.Select(r => r.TransactionId));

        // dedupe memory survived (snapshots every 3 events + replay of the rest)
        recovered.Tell(new SubmitTransaction(Tx("r0", "acc-4", TransactionType.Payment, 100)));
        Assert.True(ExpectMsg<TransactionOutcome>().IsDuplicate);
    }

    [Fact]
    public void Transfer_completes_exactly_once_when_the_payee_is_stopped_midway()
    {
        var payer = Account("payer");
        payer.Tell(new OpenAccount("payer", "USD", 0, 10_000));
        ExpectMsg<AccountOpenResult>();
        payer.Tell(new SubmitTransaction(Tx("x1", "payer", TransactionType.Transfer, 2_500, counterparty: "payee")));
        Assert.Equal(7_500, ExpectMsg<TransactionOutcome>().BalanceAfterMinor);

        // First delivery reaches the payee, which credits and answers; the answer is lost with the payee.
        var credit = _region.ExpectMsg<CreditTransfer>();
        Assert.Equal("payee", credit.AccountId);
        var payee = Account("payee", "payee-a");
        payee.Tell(credit);
        _region.FishForMessage<TransferCreditResult>(_ => true);
        Watch(payee);
        Sys.Stop(payee);
        ExpectTerminated(payee);

        // The payer has no answer, so it redelivers; a recovered payee recognises the transfer id.
        var redelivered = _region.FishForMessage<CreditTransfer>(_ => true);
        Assert.Equal(credit, redelivered);
        var recoveredPayee = Account("payee", "payee-b");
        recoveredPayee.Tell(redelivered);
        var answer = _region.FishForMessage<TransferCreditResult>(_ => true);
        Assert.True(answer.Credited);
        Assert.Equal("payer", answer.AccountId);
        payer.Tell(answer);

        recoveredPayee.Tell(new GetAccount("payee"));
        var payeeView = ExpectMsg<AccountView>();
        Assert.Equal(2_500, payeeView.BalanceMinor);
        Assert.Equal(2, payeeView.Version); // opened + credited once

        AwaitAssert(() =>
        {
            payer.Tell(new GetAccount("payer"));
            var payerView = ExpectMsg<AccountView>();
            Assert.Equal(0, payerView.PendingTransfers);
            Assert.Equal(7_500, payerView.BalanceMinor);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Transfer_refused_by_the_payee_is_reversed_on_the_payer()
    {
        var payer = Account("payer-r");
        payer.Tell(new OpenAccount("payer-r", "USD", 0, 1_000));
        ExpectMsg<AccountOpenResult>();
        var payee = Account("payee-eur");
        payee.Tell(new OpenAccount("payee-eur", "EUR", 0, 0));
        ExpectMsg<AccountOpenResult>();

        payer.Tell(new SubmitTransaction(Tx("x2", "payer-r", TransactionType.Transfer, 400, counterparty: "payee-eur")));
        Assert.Equal(600, ExpectMsg<TransactionOutcome>().BalanceAfterMinor);
        payee.Tell(_region.ExpectMsg<CreditTransfer>());
        var answer = _region.FishForMessage<TransferCreditResult>(_ => true);
        Assert.False(answer.Credited);
        Assert.StartsWith("currency:", answer.Reason);
        payer.Tell(answer);

        AwaitAssert(() =>
        {
            payer.Tell(new GetAccount("payer-r"));
            var view = ExpectMsg<AccountView>();
            Assert.Equal(1_000, view.BalanceMinor);
            Assert.Equal(0, view.PendingTransfers);
        }, TimeSpan.FromSeconds(10));
    }
}
