using System.Text.Json;
using PaymentActors.Node.Tests.Harness;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// The CLI, as a separate process, against a running two-node cluster on PostgreSQL. Every verb is given a contact
/// list whose first address is dead: the client asks all at once and is answered by the live one. Clients go through
/// the receptionist and never join: the member list holds the two nodes only, before, during and after.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CliAgainstClusterTests(PostgresServer postgres)
{
    [Fact]
    public async Task Submit_query_and_status_work_from_outside_the_cluster()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres, "cli_" + Guid.NewGuid().ToString("N")[..8], 2);
        // The first contact is a port nobody listens on; the verbs are answered by the second.
        var contact = $"{NodeProcess.AddressOf(Ports.FreeTcpPort())},{cluster.Nodes[1].Address}";

        var cashIn = await ProcessRunner.Cli("submit", "--id", "cli-1", "--account", "C100", "--type", "CASH_IN", "--amount", "250.00", "--currency", "EUR", "--contact", contact);
        Assert.True(cashIn.ExitCode == 0, cashIn.Stdout + cashIn.Stderr);
        // The HTTP API's names and spellings (one vocabulary).
        var outcome = JsonDocument.Parse(cashIn.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(["transactionId", "status", "duplicate", "reason", "balanceAfterMinor", "currency", "rules"], outcome.EnumerateObject().Select(p => p.Name));
        Assert.Equal("cli-1", outcome.GetProperty("transactionId").GetString());
        Assert.Equal("Approved", outcome.GetProperty("status").GetString());

        var transfer = await ProcessRunner.Cli("submit", "--id", "cli-2", "--account", "C100", "--type", "TRANSFER", "--amount", "100", "--currency", "EUR",
            "--counterparty", "C200", "--contact", contact);
        Assert.True(transfer.ExitCode == 0, transfer.Stdout + transfer.Stderr);
        Assert.Contains("\"balanceAfterMinor\":15000", transfer.Stdout);

        var duplicate = await ProcessRunner.Cli("submit", "--id", "cli-2", "--account", "C100", "--type", "TRANSFER", "--amount", "100", "--currency", "EUR",
            "--counterparty", "C200", "--contact", $"{NodeProcess.AddressOf(Ports.FreeTcpPort())},{cluster.Nodes[0].Address}");
        Assert.Contains("\"duplicate\":true", duplicate.Stdout);

        var badAmount = await ProcessRunner.Cli("submit", "--id", "cli-3", "--account", "C100", "--type", "PAYMENT", "--amount", "1.234", "--currency", "EUR", "--contact", contact);
        Assert.Equal(2, badAmount.ExitCode);
        Assert.Contains("amount:", badAmount.Stderr);

        // Dated year 9999: the node's gateway answers Rejected naming the timestamp, and no account hears of it
        // (the entity count below stays at C100 and C200).
        var farFuture = await ProcessRunner.Cli("submit", "--id", "cli-4", "--account", "C300", "--type", "CASH_IN", "--amount", "1.00", "--currency", "EUR",
            "--time", "253402300799000", "--contact", contact);
        Assert.True(farFuture.ExitCode == 1, farFuture.Stdout + farFuture.Stderr);
        var refused = JsonDocument.Parse(farFuture.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("Rejected", refused.GetProperty("status").GetString());
        Assert.StartsWith("timestamp: 9999-12-31", refused.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The payee is credited asynchronously (exactly once) by the payer's outbox.
        JsonElement account = default;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var query = await ProcessRunner.Cli("query", "account", "C200", "--contact", contact);
            Assert.True(query.ExitCode == 0, query.Stdout + query.Stderr);
            account = JsonDocument.Parse(query.Stdout.Trim().Split('\n')[^1]).RootElement;
            if (account.GetProperty("balanceMinor").GetInt64() == 10_000)
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.Equal(["accountId", "isOpen", "currency", "balanceMinor", "overdraftLimitMinor", "version", "pendingTransfers", "recent"],
            account.EnumerateObject().Select(p => p.Name));
        Assert.Equal("C200", account.GetProperty("accountId").GetString());
        Assert.True(account.GetProperty("isOpen").GetBoolean());
        var recent = account.GetProperty("recent").EnumerateArray().Single();
        Assert.Equal(["transactionId", "type", "amountMinor", "deltaMinor", "status", "counterparty", "eventTimeMs"], recent.EnumerateObject().Select(p => p.Name));
        Assert.Equal("TRANSFER", recent.GetProperty("type").GetString());
        Assert.Equal(2, account.GetProperty("version").GetInt64());

        var status = await ProcessRunner.Cli("status", "--contact", contact);
        Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);
        var json = JsonDocument.Parse(status.Stdout.Trim().Split('\n')[^1]).RootElement;
        var nodes = json.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "payments")).ToList();
        Assert.Equal(2, nodes.Count);
        Assert.All(nodes, m => Assert.Equal("Up", m.GetProperty("status").GetString()));
        Assert.True(json.GetProperty("entitiesPerNode").EnumerateObject().Sum(p => p.Value.GetInt32()) == 2, json.ToString());
        Assert.Contains(json.GetProperty("singletonNode").GetString(), cluster.Nodes.Select(n => n.Address));
        // No client in the member list the status shows, nor in any node's own view, nor ever joining in their logs.
        var nodeAddresses = cluster.Nodes.Select(n => n.Address).Order().ToList();
        Assert.Equal(nodeAddresses, json.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!).Order().ToList());

        var rules = await ProcessRunner.Cli("rules", "list", "--contact", contact);
        Assert.True(rules.ExitCode == 0, rules.Stdout + rules.Stderr);
        Assert.Contains("\"Rules\"", rules.Stdout);
        var alerts = await ProcessRunner.Cli("query", "alerts", "--account", "C100", "--contact", contact);
        Assert.True(alerts.ExitCode == 0, alerts.Stdout + alerts.Stderr);
        Assert.Contains("\"alerts\":0", alerts.Stdout);
        var windows = await ProcessRunner.Cli("query", "windows", "--window", "hourly", "--contact", contact);
        Assert.True(windows.ExitCode == 0, windows.Stdout + windows.Stderr);

        foreach (var node in cluster.Nodes)
        {
            var seen = (await node.ClusterAsync())!.Value.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!).Order().ToList();
            Assert.Equal(nodeAddresses, seen);
            var joins = node.ReadLog().Split('\n').Where(l => l.Contains("is JOINING", StringComparison.Ordinal)).ToList();
            Assert.All(joins, l => Assert.Contains(cluster.Nodes, n => l.Contains($"Node [{n.Address}] is JOINING", StringComparison.Ordinal)));
        }
    }
}
