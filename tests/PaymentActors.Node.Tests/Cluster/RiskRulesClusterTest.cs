using System.Text.Json;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Node.Tests.Harness;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// A rule changed at runtime reaches every node; the dashboard's cluster view counts every node; alerts and decisions
/// survive a node restart. Three nodes: with two, keep-majority cannot tell a crash from a partition and may down the
/// survivor.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RiskRulesClusterTest(PostgresServer postgres)
{
    [Fact]
    public async Task A_runtime_rule_change_takes_effect_on_every_node_and_alerts_survive_a_restart()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, "risk_" + Guid.NewGuid().ToString("N")[..8], 3);
        var contact = cluster.Nodes[0].Address;
        var extractor = new AccountMessageExtractor();
        // Accounts on many shards, so both nodes host some of them.
        var accounts = Enumerable.Range(0, 12).Select(i => $"R{i}").ToList();
        Assert.True(accounts.Select(a => extractor.ShardId(a)).Distinct().Count() > 6);

        var malformed = await ProcessRunner.Cli("rules", "put", """{"id":"bad","kind":"velocity","aggregate":"median","windowMs":1000,"limit":1}""", "--contact", contact);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("aggregate", malformed.Stderr);

        var put = await ProcessRunner.Cli("rules", "put", """{"id":"payment-cap","kind":"amountLimit","types":["PAYMENT"],"comparison":"gt","limit":10000,"action":"decline"}""",
            "--contact", contact);
        Assert.True(put.ExitCode == 0, put.Stdout + put.Stderr);
        Assert.Contains("payment-cap", put.Stdout);
        var list = await ProcessRunner.Cli("rules", "list", "--contact", cluster.Nodes[1].Address);
        Assert.Contains("payment-cap", list.Stdout);
        Assert.DoesNotContain("\"bad\"", list.Stdout); // the refused rule changed nothing

        await using var client = await TestClient.ConnectAsync(cluster.Seeds, TimeSpan.FromSeconds(10));
        var outcomes = new List<TransactionOutcome>();
        foreach (var account in accounts)
        {
            await client.Client.SubmitAsync(new TransactionRequest($"{account}-in", account, TransactionType.CashIn, 100_000, "EUR", null, 1));
            // Replication is asynchronous: the next decisions on every node use the new rule within moments.
            TransactionOutcome outcome;
            var attempt = 0;
            do
            {
                outcome = await client.Client.SubmitAsync(new TransactionRequest($"{account}-pay-{attempt}", account, TransactionType.Payment, 20_000, "EUR", "M1", 2));
            }
            while (outcome.Status != TransactionStatus.Declined && ++attempt < 20 && await Delay());

            outcomes.Add(outcome);
        }

        Assert.All(outcomes, o =>
        {
            Assert.Equal(TransactionStatus.Declined, o.Status);
            Assert.Equal(RejectCode.RiskDeclined, o.Code);
            Assert.Contains(o.Rules, r => r.RuleId == "payment-cap" && r.Version == 1);
        });

        async Task<int> AlertCount()
        {
            var query = await ProcessRunner.Cli("query", "alerts", "--limit", "1000", "--contact", contact);
            Assert.True(query.ExitCode == 0, query.Stdout + query.Stderr);
            var summary = JsonDocument.Parse(query.Stdout.Trim().Split('\n')[^1]).RootElement;
            return summary.GetProperty("alerts").GetInt32();
        }

        var alerts = 0;
        for (var attempt = 0; attempt < 20 && (alerts = await AlertCount()) < accounts.Count; attempt++)
        {
            await Task.Delay(500);
        }

        Assert.Equal(accounts.Count, alerts);
        // One vocabulary: the CLI prints an alert as GET /alerts does, the type as POST /transactions takes it.
        var listed = await ProcessRunner.Cli("query", "alerts", "--limit", "1", "--contact", contact);
        var alert = JsonDocument.Parse(listed.Stdout.Trim().Split('\n')[0]).RootElement;
        Assert.Equal(["transactionId", "accountId", "type", "amountMinor", "currency", "eventTimeMs", "status", "rules"], alert.EnumerateObject().Select(p => p.Name));
        Assert.Equal("PAYMENT", alert.GetProperty("type").GetString());
        Assert.Equal("Declined", alert.GetProperty("status").GetString());
        await using (var db = new Npgsql.NpgsqlConnection(cluster.ConnectionString))
        {
            await db.OpenAsync();
            await using var count = db.CreateCommand();
            count.CommandText = "SELECT count(*) FROM risk_alerts WHERE rules LIKE 'payment-cap@1%'";
            Assert.Equal(accounts.Count, Convert.ToInt32(await count.ExecuteScalarAsync())); // the SQL alert sink
            count.CommandText = "SELECT count(*) FROM risk_alerts WHERE tx_type = 'PAYMENT' AND decision = 'Declined'";
            Assert.Equal(accounts.Count, Convert.ToInt32(await count.ExecuteScalarAsync())); // spelled as the API spells them
        }

        // Any node's dashboard shows the cluster over all three Up nodes: its decided count is the sum of each node's own
        // (no decision is taken between these reads).
        var clusterView = (await cluster.Nodes[1].DashboardSnapshotAsync(s => s.GetProperty("cluster").GetProperty("answered").GetInt32() == 3,
            TimeSpan.FromSeconds(30))).GetProperty("cluster");
        Assert.Equal(3, clusterView.GetProperty("members").GetInt32());
        var ownCounts = await Task.WhenAll(cluster.Nodes.Select(async n =>
            (await n.DashboardSnapshotAsync(_ => true, TimeSpan.FromSeconds(30))).GetProperty("totals").GetProperty("decided").GetInt64()));
        Assert.True(ownCounts.Sum() >= 2 * accounts.Count, string.Join(", ", ownCounts)); // a cash-in and at least one payment each
        Assert.Equal(ownCounts.Sum(), clusterView.GetProperty("decided").GetInt64());

        // Restart the oldest node (it hosts the singletons): alerts and decisions are persisted.
        var oldest = cluster.Nodes[0];
        oldest.Kill();
        oldest.Start();
        // The restarted node first: right after the kill a survivor still counts the dead incarnation as Up.
        await oldest.WaitForUpMembersAsync(3, TimeSpan.FromSeconds(90));
        await cluster.Nodes[1].WaitForUpMembersAsync(3, TimeSpan.FromSeconds(90));
        var afterRestart = 0;
        for (var attempt = 0; attempt < 30 && (afterRestart = await AlertCount()) < accounts.Count; attempt++)
        {
            await Task.Delay(500);
        }

        Assert.Equal(accounts.Count, afterRestart);
        // The resend is idempotent, so it may be retried while the killed node's shards are still being reallocated
        // (the coordinator lived on the oldest node and moves too); the answer must then be the first decision.
        var resend = new TransactionRequest(outcomes[0].TransactionId, accounts[0], TransactionType.Payment, 20_000, "EUR", "M1", 2);
        var resendDeadline = DateTime.UtcNow.AddSeconds(90);
        TransactionOutcome again;
        while (true)
        {
            try
            {
                again = await client.Client.SubmitAsync(resend);
                break;
            }
            catch (Akka.Actor.AskTimeoutException) when (DateTime.UtcNow < resendDeadline)
            {
                // shards still moving: ask again
            }
        }

        Assert.True(again.IsDuplicate);
        Assert.Equal(TransactionStatus.Declined, again.Status);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(250);
        return true;
    }
}
