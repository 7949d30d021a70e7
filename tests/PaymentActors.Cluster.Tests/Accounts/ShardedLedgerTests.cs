using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
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
        b.WithPaymentsNode(new PaymentsNodeSettings { Port = 0, Database = DatabaseKind.Memory }, RiskRulesHolder.None()));

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
}
