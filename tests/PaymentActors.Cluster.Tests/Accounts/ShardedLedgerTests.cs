using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Cluster.Tests.Accounts;

/// <summary>The full node wiring (Akka.Hosting, cluster sharding, serializer) on a single self-joined node.</summary>
public sealed class ShardedLedgerTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private HostedAkka _node = null!;

    public async Task InitializeAsync() => _node = await HostedAkka.StartAsync(b =>
        b.WithPaymentsNode(new PaymentsNodeSettings { Port = 0, Database = DatabaseKind.Memory }, new RiskRulesHolder(PaymentActors.Domain.Risk.RuleSet.Default)));

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Transfer_between_accounts_on_different_shards_credits_the_payee_once()
    {
        var extractor = new AccountMessageExtractor();
        const string payer = "C-payer";
        var payee = Enumerable.Range(0, 1000).Select(i => $"C-payee-{i}")
            .First(id => extractor.ShardId(id) != extractor.ShardId(payer));
        var region = await _node.Registry.GetAsync<AccountRegion>();
        var client = new PaymentsClient(region, TimeSpan.FromSeconds(20));

        Assert.True((await client.OpenAccountAsync(payer, "EUR", 0, 50_000)).Succeeded);
        var outcome = await client.SubmitAsync(new TransactionRequest("xfer-1", payer, TransactionType.Transfer, 20_000, "EUR", payee, 1));
        Assert.Empty(outcome.Rules); // 40% of the balance: no risk rule fires
        Assert.Equal(TransactionStatus.Approved, outcome.Status);
        var again = await client.SubmitAsync(new TransactionRequest("xfer-1", payer, TransactionType.Transfer, 20_000, "EUR", payee, 1));
        Assert.True(again.IsDuplicate);

        await AwaitAssertAsync(async () =>
        {
            var payeeView = await client.GetAccountAsync(payee);
            Assert.Equal(20_000, payeeView.BalanceMinor);
            var payerView = await client.GetAccountAsync(payer);
            Assert.Equal(30_000, payerView.BalanceMinor);
            Assert.Equal(0, payerView.PendingTransfers);
        }, TimeSpan.FromSeconds(15));
        var view = await client.GetAccountAsync(payee);
        Assert.Equal(2, view.Version); // opened by the credit, credited once
        Assert.Equal("EUR", view.Currency);
    }

    [Fact]
    public async Task A_client_inside_the_cluster_cannot_apply_a_record_dated_year_9999_the_account_itself_rejects_it()
    {
        // PaymentsClient given the region itself skips the client gateway and its event-time check: the account checks too.
        var client = new PaymentsClient(await _node.Registry.GetAsync<AccountRegion>(), TimeSpan.FromSeconds(20));
        var year9999 = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var outcome = await client.SubmitAsync(new TransactionRequest("y9999-inside", "Y-1", TransactionType.CashIn, 500, "EUR", null, year9999));

        Assert.Equal(TransactionStatus.Rejected, outcome.Status);
        Assert.StartsWith("timestamp: 9999-12-31T23:59:59", outcome.Reason, StringComparison.Ordinal);
        var view = await client.GetAccountAsync("Y-1");
        Assert.Equal(0, view.Version); // nothing applied, the account never opened
        // Within the bounds, the same id is a new transaction (a rejection is not remembered as the id's outcome).
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal(TransactionStatus.Approved, (await client.SubmitAsync(new TransactionRequest("y9999-inside", "Y-1", TransactionType.CashIn, 500, "EUR", null, now))).Status);
    }

    [Fact]
    public async Task An_account_whose_id_the_shard_escapes_in_its_actor_name_decides_under_its_own_id()
    {
        // Entities take their id from their actor name: the shard escapes it there (space, '/', '%', '@', non-ASCII).
        const string id = "E 1/é%20x@y";
        var client = new PaymentsClient(await _node.Registry.GetAsync<AccountRegion>(), TimeSpan.FromSeconds(20));
        Assert.True((await client.OpenAccountAsync(id, "USD", 0, 1_000)).Succeeded);
        var outcome = await client.SubmitAsync(new TransactionRequest("esc-1", id, TransactionType.Payment, 400, "USD", "M-1", 1));
        Assert.Equal(TransactionStatus.Approved, outcome.Status);
        var view = await client.GetAccountAsync(id);
        Assert.Equal(id, view.AccountId);
        Assert.Equal(600, view.BalanceMinor);
    }

    [Fact]
    public async Task Drain_then_cash_out_is_declined_on_the_payee_shard_from_the_signal_the_payer_sent()
    {
        var extractor = new AccountMessageExtractor();
        const string victim = "V-victim";
        var mule = Enumerable.Range(0, 1000).Select(i => $"V-mule-{i}").First(id => extractor.ShardId(id) != extractor.ShardId(victim));
        var client = new PaymentsClient(await _node.Registry.GetAsync<AccountRegion>(), TimeSpan.FromSeconds(20));
        Assert.True((await client.OpenAccountAsync(victim, "USD", 0, 500_000)).Succeeded);

        var drain = await client.SubmitAsync(new TransactionRequest("drain-1", victim, TransactionType.Transfer, 500_000, "USD", mule, 1_000));
        Assert.Equal(TransactionStatus.Flagged, drain.Status);
        Assert.Contains(drain.Rules, r => r.RuleId == "full-balance-drain");

        await AwaitAssertAsync(async () => Assert.Equal(500_000, (await client.GetAccountAsync(mule)).BalanceMinor), TimeSpan.FromSeconds(15));
        var cashOut = await client.SubmitAsync(new TransactionRequest("cash-1", mule, TransactionType.CashOut, 480_000, "USD", "C-agent", 60_000));
        Assert.Equal(TransactionStatus.Declined, cashOut.Status);
        Assert.Equal(RejectCode.RiskDeclined, cashOut.Code);
        Assert.Contains(cashOut.Rules, r => r.RuleId == "drain-then-cash-out");
        Assert.Equal(500_000, (await client.GetAccountAsync(mule)).BalanceMinor); // nothing left the mule
    }
}
