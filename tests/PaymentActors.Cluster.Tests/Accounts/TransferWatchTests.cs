using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.TestKit;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Accounts;

/// <summary>
/// The payer ↔ transfer-watch protocol with probes standing in for the regions and the shard: when a payer
/// tells its watch, and when (only when) a watch stops.
/// </summary>
public sealed class TransferWatchTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly AccountActorSettings SlowRedelivery =
        new(AccountPolicy.Default, TransferRedeliveryInterval: TimeSpan.FromMinutes(5));

    private readonly TestProbe _accounts;
    private readonly TestProbe _watches;

    public TransferWatchTests(ITestOutputHelper output) : base(InMemoryPersistence.Config, output: output)
    {
        _accounts = CreateTestProbe("accounts");
        _watches = CreateTestProbe("watches");
        ActorRegistry.For(Sys).Register<TransferWatchRegion>(_watches.Ref);
    }

    // A restarted incarnation takes a fresh actor name: the guardian may still hold the old one reserved when the
    // Terminated reaches the test.
    private IActorRef Account(string id, AccountActorSettings? settings = null, string? actorName = null) =>
        Sys.ActorOf(AccountActor.Props(id, _accounts.Ref, settings ?? SlowRedelivery, RiskRulesHolder.None()), actorName ?? id);

    private static TransactionRequest Tx(string id, string account, TransactionType type, long amount, string? counterparty = null) =>
        new(id, account, type, amount, "USD", counterparty, 1_000);

    [Fact]
    public void Plain_traffic_never_talks_to_the_watch_region()
    {
        var account = Account("plain");
        account.Tell(new OpenAccount("plain", "USD", 0, 10_000));
        ExpectMsg<AccountOpenResult>();
        account.Tell(new SubmitTransaction(Tx("p1", "plain", TransactionType.CashIn, 500)));
        account.Tell(new SubmitTransaction(Tx("p2", "plain", TransactionType.Payment, 700, "M1")));
        account.Tell(new SubmitTransactionBatch("plain", [Tx("p3", "plain", TransactionType.CashOut, 1), Tx("p4", "plain", TransactionType.Debit, 2)]));
        ExpectMsg<TransactionOutcome>();
        ExpectMsg<TransactionOutcome>();
        ExpectMsg<TransactionBatchOutcome>();
        // an incoming transfer does not make an account a payer either
        account.Tell(new CreditTransfer("plain", "in-1", "someone", 300, "USD", 1_000, 300));
        _accounts.ExpectMsg<TransferCreditResult>(r => Assert.True(r.Credited));
        _watches.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Payer_watches_while_its_outbox_is_not_empty_and_answers_probes_with_what_is_pending()
    {
        var payer = Account("payer");
        payer.Tell(new OpenAccount("payer", "USD", 0, 10_000));
        ExpectMsg<AccountOpenResult>();

        payer.Tell(new SubmitTransaction(Tx("x1", "payer", TransactionType.Transfer, 1_000, "payee")));
        _watches.ExpectMsg(new WatchTransfers("payer"));
        Assert.Equal(TransactionStatus.Approved, ExpectMsg<TransactionOutcome>().Status);
        var credit1 = _accounts.ExpectMsg<CreditTransfer>();

        // a second transfer while the first is pending: the watch was already told
        payer.Tell(new SubmitTransaction(Tx("x2", "payer", TransactionType.Transfer, 2_000, "payee")));
        ExpectMsg<TransactionOutcome>();
        var credit2 = _accounts.ExpectMsg<CreditTransfer>();
        _watches.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        payer.Tell(new SettlePendingTransfers("payer", 41));
        _watches.ExpectMsg(new PendingTransfersReport("payer", 41, 2));

        payer.Tell(new TransferCreditResult("payer", credit1.TransferId, true, null));
        _watches.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // one still pending
        payer.Tell(new TransferCreditResult("payer", credit2.TransferId, false, "currency: test"));
        _watches.ExpectMsg(new UnwatchTransfers("payer"));

        payer.Tell(new SettlePendingTransfers("payer", 42));
        _watches.ExpectMsg(new PendingTransfersReport("payer", 42, 0));
        _accounts.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing to resend

        // the next transfer starts a new watch period
        payer.Tell(new SubmitTransaction(Tx("x3", "payer", TransactionType.Transfer, 10, "payee")));
        _watches.ExpectMsg(new WatchTransfers("payer"));
    }

    [Fact]
    public void A_probe_wakes_a_payer_whose_recovery_resends_the_outbox_and_renews_the_watch()
    {
        var payer = Account("sleeper");
        payer.Tell(new OpenAccount("sleeper", "USD", 0, 10_000));
        ExpectMsg<AccountOpenResult>();
        payer.Tell(new SubmitTransaction(Tx("s1", "sleeper", TransactionType.Transfer, 1_000, "payee")));
        ExpectMsg<TransactionOutcome>();
        var credit = _accounts.ExpectMsg<CreditTransfer>();
        _watches.ExpectMsg<WatchTransfers>();
        Watch(payer);
        Sys.Stop(payer); // as if its node had died
        ExpectTerminated(payer);

        // What the shard region does for a probe: start the entity and deliver.
        var woken = Account("sleeper", actorName: "sleeper-woken");
        woken.Tell(new SettlePendingTransfers("sleeper", 7));
        Assert.Equal(credit, _accounts.ExpectMsg<CreditTransfer>());
        _watches.ExpectMsg(new WatchTransfers("sleeper"));
        _watches.ExpectMsg(new PendingTransfersReport("sleeper", 7, 1));
        _accounts.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // the probe did not send the outbox a second time
    }

    private (IActorRef Watch, TestProbe Shard) StartWatch(string payerId, TimeSpan? interval = null)
    {
        var shard = CreateTestProbe();
        var watch = shard.ChildActorOf(TransferWatchActor.Props(payerId, _accounts.Ref, interval ?? TimeSpan.FromMinutes(5)));
        return (watch, shard);
    }

    [Fact]
    public void Watch_stops_only_on_a_zero_answer_to_its_latest_probe_with_no_watch_since()
    {
        var (watch, shard) = StartWatch("p1");
        watch.Tell(new WatchTransfers("p1"));
        watch.Tell(new UnwatchTransfers("p1"));
        var probe1 = _accounts.ExpectMsg<SettlePendingTransfers>();
        Assert.Equal("p1", probe1.AccountId);

        // a Watch overtaken by the Unwatch: the answer to the probe sent before it must not stop the watch
        watch.Tell(new WatchTransfers("p1"));
        watch.Tell(new PendingTransfersReport("p1", probe1.Probe, 0));
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        watch.Tell(new UnwatchTransfers("p1"));
        var probe2 = _accounts.ExpectMsg<SettlePendingTransfers>();
        Assert.NotEqual(probe1.Probe, probe2.Probe);
        watch.Tell(new PendingTransfersReport("p1", probe2.Probe, 1)); // still pending
        watch.Tell(new PendingTransfersReport("p1", probe1.Probe, 0)); // stale answer
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        watch.Tell(new UnwatchTransfers("p1"));
        var probe3 = _accounts.ExpectMsg<SettlePendingTransfers>();
        watch.Tell(new PendingTransfersReport("p1", probe3.Probe, 0));
        var passivate = shard.ExpectMsg<Passivate>();
        Assert.IsType<TransferWatchActor.StopWatching>(passivate.StopMessage);

        Watch(watch);
        watch.Tell(passivate.StopMessage);
        ExpectTerminated(watch);
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Watch_that_arrives_while_the_watch_passivates_is_handed_back_to_the_shard()
    {
        var (watch, shard) = StartWatch("p2");
        watch.Tell(new UnwatchTransfers("p2"));
        var probe = _accounts.ExpectMsg<SettlePendingTransfers>();
        watch.Tell(new PendingTransfersReport("p2", probe.Probe, 0));
        var passivate = shard.ExpectMsg<Passivate>();

        watch.Tell(new WatchTransfers("p2")); // delivered by the shard before it handled the Passivate
        Watch(watch);
        watch.Tell(passivate.StopMessage);
        shard.ExpectMsg(new WatchTransfers("p2"));
        ExpectTerminated(watch);
    }

    [Fact]
    public void A_watch_started_by_sharding_probes_its_payer_periodically_until_it_answers()
    {
        var (watch, shard) = StartWatch("p3", TimeSpan.FromSeconds(1));
        var first = _accounts.ExpectMsg<SettlePendingTransfers>(TimeSpan.FromSeconds(3));
        watch.Tell(new PendingTransfersReport("p3", first.Probe, 1)); // still pending: keep probing
        var second = _accounts.ExpectMsg<SettlePendingTransfers>(TimeSpan.FromSeconds(3));
        Assert.Equal(first.Probe + 1, second.Probe);

        // On a loaded machine the next tick may cross an answer; the watch then waits for the answer to that probe.
        var latest = second;
        object? stop = null;
        for (var round = 0; round < 5 && stop is null; round++)
        {
            watch.Tell(new PendingTransfersReport("p3", latest.Probe, 0));
            stop = shard.ReceiveOne(TimeSpan.FromMilliseconds(300));
            if (stop is null)
            {
                latest = _accounts.ExpectMsg<SettlePendingTransfers>(TimeSpan.FromSeconds(3));
            }
        }

        Assert.IsType<Passivate>(stop);
        _accounts.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m as SettlePendingTransfers); // a probe sent before the stop
        _accounts.ExpectNoMsg(TimeSpan.FromMilliseconds(1_500)); // no more probes once stopping
    }
}
