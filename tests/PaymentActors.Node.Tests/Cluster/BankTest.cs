using System.Collections.Concurrent;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Node.Tests.Harness;
using Xunit.Abstractions;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// Jepsen's bank workload on three real node processes and PostgreSQL: concurrent transfers from several
/// clients while a random node is killed with SIGKILL and restarted. At quiescence the ledger must be exact.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BankTest(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Accounts = 100;
    private const long OpeningBalance = 1_000_000; // 10,000.00 EUR each
    private const int Clients = 4;
    private static readonly TimeSpan Workload = TimeSpan.FromSeconds(24);

    private enum Result
    {
        Ok,
        Failed,
        Unknown,
    }

    [Fact]
    public async Task Transfers_stay_exact_when_a_node_is_killed_and_restarted()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, "bank_" + Guid.NewGuid().ToString("N")[..8], 3);
        await using var setup = await TestClient.ConnectAsync(cluster.Seeds, TimeSpan.FromSeconds(30));
        for (var i = 0; i < Accounts; i++)
        {
            var opened = await setup.Client.OpenAccountAsync($"A{i}", "EUR", 0, OpeningBalance);
            Assert.True(opened.Succeeded, opened.Reason);
        }

        var results = new ConcurrentDictionary<string, Result>();
        var clients = new List<TestClient>();
        for (var c = 0; c < Clients; c++)
        {
            clients.Add(await TestClient.ConnectAsync(cluster.Seeds, TimeSpan.FromSeconds(3)));
        }

        var stop = DateTime.UtcNow + Workload;
        var workers = clients.Select((client, c) => Task.Run(async () =>
        {
            var random = new Random(1000 + c);
            for (var n = 0; DateTime.UtcNow < stop; n++)
            {
                var payer = random.Next(Accounts);
                var payee = (payer + 1 + random.Next(Accounts - 1)) % Accounts;
                var id = $"bank-{c}-{n}";
                var request = new TransactionRequest(id, $"A{payer}", TransactionType.Transfer, 1 + random.Next(400_000), "EUR", $"A{payee}", n);
                try
                {
                    var outcome = await client.Client.SubmitAsync(request);
                    results[id] = outcome.IsApplied ? Result.Ok : Result.Failed;
                }
                catch (Exception)
                {
                    results[id] = Result.Unknown; // timeout or a node gone: may or may not have happened
                    await Task.Delay(50);
                }
            }
        })).ToList();

        // The fault: kill -9 a random node mid-run, then bring it back.
        var victim = cluster.Nodes[new Random().Next(cluster.Nodes.Count)];
        await Task.Delay(TimeSpan.FromSeconds(7));
        victim.Kill();
        output.WriteLine($"killed {victim.Name} at {DateTime.UtcNow:O}");
        await Task.Delay(TimeSpan.FromSeconds(7));
        victim.Start();
        output.WriteLine($"restarted {victim.Name}");
        await Task.WhenAll(workers);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        foreach (var node in cluster.Nodes)
        {
            await node.WaitForUpMembersAsync(3, TimeSpan.FromSeconds(90));
        }

        // Quiescence, first without touching any account: every debited transfer must get settled on its own, as
        // recomputed from the journal. Reading the accounts would recover them and so resend what they have pending,
        // hiding a payer that was left asleep (e.g. on the killed node) with money debited and never credited.
        var unsettled = await UnsettledTransfersAsync(cluster.ConnectionString);
        var settleDeadline = DateTime.UtcNow.AddSeconds(90);
        while (unsettled.Count > 0 && DateTime.UtcNow < settleDeadline)
        {
            await Task.Delay(1_000);
            unsettled = await UnsettledTransfersAsync(cluster.ConnectionString);
        }

        Assert.True(unsettled.Count == 0, $"{unsettled.Count} transfers still unsettled in the journal: {string.Join(", ", unsettled.Take(10))}");

        var views = new AccountView[Accounts];
        for (var i = 0; i < Accounts; i++)
        {
            views[i] = await setup.Client.GetAccountAsync($"A{i}");
        }

        var counts = results.Values.GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"ok={counts.GetValueOrDefault(Result.Ok)} failed={counts.GetValueOrDefault(Result.Failed)} unknown={counts.GetValueOrDefault(Result.Unknown)}");
        Assert.True(counts.GetValueOrDefault(Result.Ok) > 100, "the workload made progress");
        Assert.All(views, v => Assert.Equal(0, v.PendingTransfers));

        // Conservation, and no balance below its overdraft limit (0 here).
        Assert.Equal(Accounts * OpeningBalance, views.Sum(v => v.BalanceMinor));
        Assert.All(views, v => Assert.True(v.BalanceMinor >= -v.OverdraftLimitMinor, $"{v.AccountId} at {v.BalanceMinor}"));

        // Exactly-once, checked against the journal itself.
        var journal = await PostgresJournal.ReadAccountEventsAsync(cluster.ConnectionString);
        var debits = new Dictionary<string, int>();
        var credits = new Dictionary<string, int>();
        foreach (var e in journal.SelectMany(j => j.Value))
        {
            switch (e)
            {
                case TransactionApproved { Type: TransactionType.Transfer } a:
                    debits[a.TransactionId] = debits.GetValueOrDefault(a.TransactionId) + 1;
                    break;
                case TransferCredited c:
                    credits[c.TransferId] = credits.GetValueOrDefault(c.TransferId) + 1;
                    break;
            }
        }

        foreach (var (id, result) in results)
        {
            var debited = debits.GetValueOrDefault(id);
            var credited = credits.GetValueOrDefault(id);
            switch (result)
            {
                case Result.Ok:
                    Assert.True(debited == 1 && credited == 1, $"{id}: ok but debited {debited}, credited {credited}");
                    break;
                case Result.Failed:
                    Assert.True(debited == 0 && credited == 0, $"{id}: failed but debited {debited}, credited {credited}");
                    break;
                default:
                    Assert.True(debited <= 1 && credited == debited, $"{id}: unknown but debited {debited}, credited {credited}");
                    break;
            }
        }

        // Balances read through the ask API equal a recompute from the journal tables.
        foreach (var view in views)
        {
            var state = new AccountState(view.AccountId);
            foreach (var e in journal.GetValueOrDefault("account-" + view.AccountId, []))
            {
                state.Apply(e);
            }

            Assert.Equal(view.BalanceMinor, state.BalanceMinor);
            Assert.Equal(view.Version, state.Version);
        }
    }

    /// <summary>Transfers debited and neither settled nor reversed (the payers' outboxes), recomputed from the journal.</summary>
    private static async Task<List<string>> UnsettledTransfersAsync(string connectionString)
    {
        var unsettled = new List<string>();
        foreach (var (persistenceId, events) in await PostgresJournal.ReadAccountEventsAsync(connectionString))
        {
            var state = new AccountState(persistenceId["account-".Length..]);
            foreach (var e in events)
            {
                state.Apply(e);
            }

            unsettled.AddRange(state.Outbox.Select(p => p.TransferId));
        }

        return unsettled;
    }
}
