using Npgsql;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Node.Tests.Harness;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// The window-result and alert tables on PostgreSQL, written in multi-row statements: batches larger than one statement,
/// repeats within a batch and batches written again store each row once, every column as computed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SqlSinksOnPostgresTests(PostgresServer postgres)
{
    private async Task<string> FreshDatabaseAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("sinks_" + Guid.NewGuid().ToString("N")[..8]);
        PostgresSchema.Create(connectionString);
        return connectionString;
    }

    private static async Task<List<string>> RowsAsync(string connectionString, string sql, int columns)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, columns).Select(c => reader.GetValue(c).ToString())));
        }

        return rows.Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Window_results_in_batches_larger_than_one_statement_are_stored_once_column_for_column()
    {
        var connectionString = await FreshDatabaseAsync();
        var sink = new SqlWindowSink(() => new NpgsqlConnection(connectionString), postgres: true);
        var results = Enumerable.Range(0, 600).Select(i =>
        {
            var stats = new AmountStats();
            for (var n = 0; n <= i % 7; n++)
            {
                stats.Add(100 + i * 13 + n * 1_000);
            }

            return new WindowResult("hourly", $"merchant:M{i:D3}/EUR", NamedWindow.Hour, 2 * NamedWindow.Hour, 1, stats.ToState());
        }).ToList();

        sink.Write([.. results, results[7]]);
        sink.Write(results.Skip(100).Take(300).ToList());

        var expected = results.Select(r =>
                $"{r.Window}|{r.Key}|{r.Start}|{r.End}|{r.Revision}|{r.Count}|{r.Sum}|{r.Min}|{r.Max}|{r.Mean}|{r.Quantile(0.5)}|{r.Quantile(0.95)}|{r.Quantile(0.99)}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, await RowsAsync(connectionString, "SELECT * FROM window_results", 13));
    }

    [Fact]
    public async Task Alerts_in_batches_larger_than_one_statement_are_stored_once()
    {
        var connectionString = await FreshDatabaseAsync();
        var sink = new SqlAlertSink(() => new NpgsqlConnection(connectionString), postgres: true);
        var alerts = Enumerable.Range(0, 600).Select(i => new Alert($"t{i:D3}", $"C{i % 10}", TransactionType.Transfer, 1_000 + i, "EUR", 5_000 + i,
            TransactionStatus.Flagged, [new RuleHit("velocity", 1, "6 in 10 min")])).ToList();

        sink.Write([.. alerts, alerts[0]]);
        sink.Write(alerts.Skip(500).ToList());

        Assert.Equal(alerts.Select(a => $"{a.TransactionId}|{a.AccountId}|TRANSFER|{a.AmountMinor}|EUR|{a.EventTimeMs}|Flagged").Order(StringComparer.Ordinal),
            await RowsAsync(connectionString, "SELECT transaction_id, account_id, tx_type, amount_minor, currency, event_time_ms, decision FROM risk_alerts", 7));
    }
}
