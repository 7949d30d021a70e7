using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Cluster.Tests.Accounts;

/// <summary>
/// A payer's node dies with a transfer debited but not yet credited; a new node on the same SQLite file (a full
/// cluster restart) settles it although nobody sends the payer anything: its remembered transfer watch wakes it.
/// </summary>
public sealed class TransferWatchRestartTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-watch-" + Guid.NewGuid().ToString("N"));

    /// <summary>
    /// The first node cannot credit any transfer (the journal rejects <see cref="TransferCredited"/>, so every payee
    /// fails its write and never answers), and stopping its ActorSystem is a crash: no coordinated shutdown, no
    /// hand-off, nothing written on the way down.
    /// </summary>
    private const string DoomedNode = """
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.persistence.journal.sql {
          event-adapters { refuse-credits = "PaymentActors.Cluster.Tests.Accounts.RefuseTransferCredits, PaymentActors.Cluster.Tests" }
          event-adapter-bindings { "PaymentActors.Domain.Accounts.TransferCredited, PaymentActors.Domain" = refuse-credits }
        }
        """;

    private PaymentsNodeSettings Settings(string? extraHocon = null) => new()
    {
        Port = 0,
        Database = DatabaseKind.Sqlite,
        DataDirectory = _directory,
        TransferWatchInterval = TimeSpan.FromMilliseconds(500),
        ExtraHocon = extraHocon,
    };

    private static async Task<(IHost Host, ActorRegistry Registry, PaymentsClient Client)> StartNodeAsync(PaymentsNodeSettings settings)
    {
        var host = new HostBuilder()
            .ConfigureServices(s => s.AddAkka("payments", (b, _) => b.WithPaymentsNode(settings, RiskRulesHolder.None())))
            .Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        return (host, registry, new PaymentsClient(await registry.GetAsync<AccountRegion>(), TimeSpan.FromSeconds(20)));
    }

    private static async Task<IReadOnlyList<string>> WatchedPayersAsync(ActorRegistry registry)
    {
        var region = await registry.GetAsync<TransferWatchRegion>();
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
        return state.Shards.SelectMany(s => s.EntityIds).ToList();
    }

    [Fact]
    public async Task Transfer_pending_when_the_node_crashed_is_settled_after_a_restart_without_anyone_touching_the_payer()
    {
        const string payer = "W-payer";
        const string payee = "W-payee";

        var (doomed, doomedRegistry, client) = await StartNodeAsync(Settings(DoomedNode));
        try
        {
            Assert.True((await client.OpenAccountAsync(payer, "USD", 0, 10_000)).Succeeded);
            var outcome = await client.SubmitAsync(new TransactionRequest("w-xfer-1", payer, TransactionType.Transfer, 2_500, "USD", payee, 1));
            Assert.Equal(TransactionStatus.Approved, outcome.Status);
            Assert.Equal(7_500, outcome.BalanceAfterMinor); // the debit is durable: replies wait for the journal

            // The watch entity only runs once sharding has stored it as remembered.
            await AwaitAssertAsync(async () => Assert.Equal([payer], await WatchedPayersAsync(doomedRegistry)), TimeSpan.FromSeconds(15));
        }
        finally
        {
            await doomed.Services.GetRequiredService<ActorSystem>().Terminate();
            doomed.Dispose();
        }

        var (host, registry, client2) = await StartNodeAsync(Settings());
        try
        {
            // Only the payee is read until it has the money; the payer is left alone until then.
            await AwaitAssertAsync(async () => Assert.Equal(2_500, (await client2.GetAccountAsync(payee)).BalanceMinor),
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));

            var payeeView = await client2.GetAccountAsync(payee);
            Assert.Equal(2, payeeView.Version); // opened by the credit, credited once
            // the watch stops (and is forgotten) once the payer reports nothing pending
            await AwaitAssertAsync(async () => Assert.Empty(await WatchedPayersAsync(registry)), TimeSpan.FromSeconds(15));
            var payerView = await client2.GetAccountAsync(payer);
            Assert.Equal(0, payerView.PendingTransfers);
            Assert.Equal(7_500, payerView.BalanceMinor);
            Assert.Equal(2_500, (await client2.GetAccountAsync(payee)).BalanceMinor);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
            // best effort: SQLite may still hold the WAL for a moment
        }

        return Task.CompletedTask;
    }
}

/// <summary>Makes the journal reject every <see cref="TransferCredited"/>: the payee's credit can never become durable.</summary>
public sealed class RefuseTransferCredits : IWriteEventAdapter
{
    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => throw new InvalidOperationException("test: this node cannot credit transfers");
}
