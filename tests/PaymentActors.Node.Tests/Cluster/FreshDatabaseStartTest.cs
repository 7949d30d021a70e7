using System.Text.Json;
using Npgsql;
using PaymentActors.Node.Tests.Harness;
using Xunit.Abstractions;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// Three nodes started at the same moment on a brand-new PostgreSQL database: each creates the schema before its actor
/// system starts, one at a time under an advisory lock, so none fails on a table another is creating; all come Up and
/// every node serves a transaction.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FreshDatabaseStartTest(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Three_nodes_started_together_on_an_empty_database_all_come_up_and_serve_transactions()
    {
        // Up members are awaited by the harness (90 s each); a node that failed to start would have exited or stayed out.
        await using var cluster = await ClusterHarness.StartAsync(postgres, "fresh_" + Guid.NewGuid().ToString("N")[..8], 3, together: true);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        foreach (var (node, i) in cluster.Nodes.Select((n, i) => (n, i)))
        {
            var line = JsonSerializer.Serialize(new { id = $"fresh-{i}", account = $"F{i}", type = "CASH_IN", amount = "1.00", currency = "EUR",
                timestamp = DateTimeOffset.UtcNow.ToString("O") }) + "\n";
            var status = await NodeHttp.PostUntilAnsweredAsync(http, node.HttpBase, line, TimeSpan.FromSeconds(60));
            Assert.True(status is "Approved" or "Flagged", $"{node.Name}: {status}");

            var account = JsonDocument.Parse(await http.GetStringAsync($"{node.HttpBase}/accounts/F{i}")).RootElement;
            output.WriteLine($"{node.Name}: {account}");
            Assert.Equal(100, account.GetProperty("balanceMinor").GetInt64());
        }

        // The tables are there once each (the plugin's and ours), and no node logged a failed creation.
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(@names)";
            command.Parameters.AddWithValue("@names", new[] { "journal", "tags", "snapshot", "payments_cluster_identity", "window_results", "risk_alerts", "rules_audit" });
            Assert.Equal(7L, (long)(await command.ExecuteScalarAsync())!);
        }

        foreach (var node in cluster.Nodes)
        {
            var bad = node.ReadLog().Split('\n').Where(l => l.Contains("already exists", StringComparison.OrdinalIgnoreCase)
                || l.Contains("duplicate key", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(bad.Count == 0, $"{node.Name}: {string.Join("\n", bad.Take(5))}");
        }
    }

    [Fact]
    public async Task The_schema_created_from_eight_connections_at_once_is_created_once_without_an_error_and_again_is_a_no_op()
    {
        // Without the lock, eight sessions creating the journal at once fail 10 runs out of 10 on PostgreSQL 15
        // ("duplicate key value violates unique constraint pg_type_typname_nsp_index").
        var connection = await postgres.CreateDatabaseAsync("schema_" + Guid.NewGuid().ToString("N")[..8]);
        using var start = new Barrier(8);
        var creators = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            PaymentActors.Cluster.Hosting.PostgresSchema.Create(connection);
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(creators);
        PaymentActors.Cluster.Hosting.PostgresSchema.Create(connection);

        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname = ANY(@names)";
        command.Parameters.AddWithValue("@names", new[] { "PK_journal", "journal_uq", "journal_created_idx", "journal_sequence_number_idx", "PK_tags",
            "tags_persistence_id_sequence_nr_idx", "tags_tag_idx", "PK_snapshot", "snapshot_sequence_number_idx", "snapshot_created_idx" });
        Assert.Equal(10L, (long)(await command.ExecuteScalarAsync())!);
    }
}
