using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Cluster.Tests.Accounts;

/// <summary>Recovery on the real SQLite journal and snapshot store: a whole node is stopped and started again.</summary>
public sealed class SqliteJournalTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-sqlite-" + Guid.NewGuid().ToString("N"));

    private PaymentsNodeSettings Settings => new()
    {
        Port = 0,
        Database = DatabaseKind.Sqlite,
        DataDirectory = _directory,
        Accounts = new AccountActorSettings(AccountPolicy.Default, SnapshotEvery: 7),
    };

    private async Task<(IHost Host, PaymentsClient Client)> StartNodeAsync()
    {
        var settings = Settings;
        var host = new HostBuilder()
            .ConfigureServices(s => s.AddAkka("payments", (b, _) => b.WithPaymentsNode(settings, RiskRulesHolder.None())))
            .Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var region = await registry.GetAsync<AccountRegion>();
        return (host, new PaymentsClient(region, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Accounts_recover_identically_after_the_node_restarts_on_the_same_sqlite_file()
    {
        var (host, client) = await StartNodeAsync();
        var requests = Enumerable.Range(0, 40).Select(i => new TransactionRequest(
            $"s{i}", $"C{i % 4}", i % 5 == 0 ? TransactionType.Payment : TransactionType.CashIn, 1_000 + i, "USD", null, i)).ToList();
        requests.Add(new TransactionRequest("s-x", "C0", TransactionType.Transfer, 500, "USD", "C9", 99));
        foreach (var r in requests)
        {
            await client.SubmitAsync(r);
        }

        var ids = new[] { "C0", "C1", "C2", "C3" };
        AccountView[] before = [];
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            // wait until the transfer to C9 is settled (asynchronous by design)
            var c0 = await client.GetAccountAsync("C0");
            if (c0.PendingTransfers == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        before = await Task.WhenAll(ids.Append("C9").Select(id => client.GetAccountAsync(id)));
        await host.StopAsync();
        host.Dispose();

        var (host2, client2) = await StartNodeAsync();
        try
        {
            var after = await Task.WhenAll(ids.Append("C9").Select(id => client2.GetAccountAsync(id)));
            for (var i = 0; i < before.Length; i++)
            {
                Assert.Equal(before[i].BalanceMinor, after[i].BalanceMinor);
                Assert.Equal(before[i].Version, after[i].Version);
                Assert.Equal(before[i].PendingTransfers, after[i].PendingTransfers);
                Assert.Equal(before[i].Recent.Select(r => r.TransactionId), after[i].Recent.Select(r => r.TransactionId));
            }

            Assert.Equal(500, after[4].BalanceMinor);
            Assert.True(File.Exists(Path.Combine(_directory, "payments.db")));

            // idempotency memory survived the restart: nothing is applied twice
            var replay = await client2.SubmitAsync(requests[3]);
            Assert.True(replay.IsDuplicate);
            Assert.Equal(after[3].BalanceMinor, (await client2.GetAccountAsync("C3")).BalanceMinor);
        }
        finally
        {
            await host2.StopAsync();
            host2.Dispose();
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
            // best effort: SQLite may still hold the WAL for a moment
        }
    }
}
