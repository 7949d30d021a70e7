using Akka.Actor;
using Akka.TestKit;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Clients;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Accounts;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Clients;

/// <summary>The client gateway in front of a real account (or a probe standing in for the account region).</summary>
public sealed class ClientGatewayActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly long ClockNow = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long Year9999 = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>Answers that wait for the account's journal: generous, for a loaded machine.</summary>
    private static readonly TimeSpan Durable = TimeSpan.FromSeconds(15);

    private readonly EventTimeBounds _bounds;

    public ClientGatewayActorTests(ITestOutputHelper output) : base(InMemoryPersistence.Config, output: output)
    {
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        horizon.Observe(ClockNow);
        _bounds = new EventTimeBounds(TimeSpan.FromMinutes(5), horizon, () => ClockNow);
    }

    private IActorRef Gateway(IActorRef accounts) =>
        Sys.ActorOf(ClientGatewayActor.Props(accounts, ActorRefs.Nobody, ActorRefs.Nobody, ActorRefs.Nobody, "payments", _bounds));

    /// <summary>A gateway whose "region" is one real account, opened with 0 EUR.</summary>
    private IActorRef GatewayToAccount(string accountId)
    {
        var account = Sys.ActorOf(AccountActor.Props(accountId, CreateTestProbe().Ref, AccountActorSettings.Default, RiskRulesHolder.None()), accountId);
        var gateway = Gateway(account);
        gateway.Tell(new OpenAccount(accountId, "EUR", 0, 0));
        ExpectMsg<AccountOpenResult>(r => Assert.True(r.Succeeded, r.Reason), Durable);
        return gateway;
    }

    private static TransactionRequest CashIn(string id, string account, long eventTimeMs, long amount = 1_00) =>
        new(id, account, TransactionType.CashIn, amount, "EUR", null, eventTimeMs);

    [Fact]
    public void A_submission_dated_year_9999_is_answered_Rejected_naming_the_timestamp_and_never_applied()
    {
        var gateway = GatewayToAccount("G1");

        gateway.Tell(new SubmitTransaction(CashIn("y9999", "G1", Year9999)));
        var outcome = ExpectMsg<TransactionOutcome>();
        Assert.Equal("y9999", outcome.TransactionId);
        Assert.Equal(TransactionStatus.Rejected, outcome.Status);
        Assert.False(outcome.IsApplied);
        Assert.StartsWith("timestamp: 9999-12-31", outcome.Reason, StringComparison.Ordinal);

        gateway.Tell(new GetAccount("G1"));
        var view = ExpectMsg<AccountView>(Durable);
        Assert.Equal(0, view.BalanceMinor);
        Assert.DoesNotContain(view.Recent, t => t.TransactionId == "y9999");

        // The account never saw the id: the same id with a sound date is a new transaction, not a duplicate.
        gateway.Tell(new SubmitTransaction(CashIn("y9999", "G1", ClockNow)));
        ExpectMsg<TransactionOutcome>(o =>
        {
            Assert.Equal(TransactionStatus.Approved, o.Status);
            Assert.False(o.IsDuplicate);
        }, Durable);
    }

    [Fact]
    public void A_submission_with_a_sound_date_is_still_applied()
    {
        var gateway = GatewayToAccount("G2");

        gateway.Tell(new SubmitTransaction(CashIn("ok-1", "G2", ClockNow + 60_000, 12_34)));
        ExpectMsg<TransactionOutcome>(o =>
        {
            Assert.Equal(TransactionStatus.Approved, o.Status);
            Assert.Equal(12_34, o.BalanceAfterMinor);
        }, Durable);

        gateway.Tell(new GetAccount("G2"));
        ExpectMsg<AccountView>(v =>
        {
            Assert.Equal(12_34, v.BalanceMinor);
            Assert.Contains(v.Recent, t => t.TransactionId == "ok-1");
        }, Durable);
    }

    [Fact]
    public void A_refused_submission_is_never_sent_to_the_accounts()
    {
        var region = CreateTestProbe("region");
        var gateway = Gateway(region.Ref);

        gateway.Tell(new SubmitTransaction(CashIn("far-future", "G3", Year9999)));
        ExpectMsg<TransactionOutcome>(o => Assert.Equal(TransactionStatus.Rejected, o.Status));
        gateway.Tell(new SubmitTransaction(CashIn("too-old", "G3", new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds())));
        ExpectMsg<TransactionOutcome>(o => Assert.Contains("older than the windows' retention", o.Reason, StringComparison.Ordinal));
        gateway.Tell(new SubmitTransaction(CashIn("sound", "G3", ClockNow)));

        // Messages from the gateway to the region arrive in order: the first one it gets is the sound one.
        var forwarded = region.ExpectMsg<SubmitTransaction>();
        Assert.Equal("sound", forwarded.Request.TransactionId);
        Assert.Equal(TestActor, region.LastSender);
    }

    [Fact]
    public void A_batch_sends_only_its_sound_requests_to_the_account_and_answers_every_request_in_order()
    {
        var gateway = GatewayToAccount("G4");

        gateway.Tell(new SubmitTransactionBatch("G4", [CashIn("b1", "G4", ClockNow), CashIn("b2", "G4", Year9999), CashIn("b3", "G4", ClockNow)], CorrelationId: 7));
        var reply = ExpectMsg<TransactionBatchOutcome>(Durable);
        Assert.Equal(7, reply.CorrelationId);
        Assert.Equal(["b1", "b2", "b3"], reply.Outcomes.Select(o => o.TransactionId));
        Assert.Equal([TransactionStatus.Approved, TransactionStatus.Rejected, TransactionStatus.Approved], reply.Outcomes.Select(o => o.Status));
        Assert.StartsWith("timestamp: ", reply.Outcomes[1].Reason, StringComparison.Ordinal);

        gateway.Tell(new SubmitTransactionBatch("G4", [CashIn("b4", "G4", Year9999)], CorrelationId: 8));
        ExpectMsg<TransactionBatchOutcome>(r => Assert.Equal(TransactionStatus.Rejected, Assert.Single(r.Outcomes).Status));

        gateway.Tell(new GetAccount("G4"));
        ExpectMsg<AccountView>(v => Assert.Equal(2_00, v.BalanceMinor), Durable);
    }
}
