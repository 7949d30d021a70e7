using Microsoft.Data.Sqlite;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Tests.Alerts;

/// <summary>The alert table in the journal's database: idempotent by transaction id, one vocabulary for old and new rows.</summary>
public sealed class SqlAlertSinkTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "pa-alerts-" + Guid.NewGuid().ToString("N") + ".db");

    private string ConnectionString => $"Data Source={_file};Pooling=False";

    public void Dispose() => File.Delete(_file);

    private static Alert AlertOf(string id, TransactionType type) =>
        new(id, "C1", type, 12_345, "EUR", 1_000, TransactionStatus.Flagged, [new RuleHit("velocity", 1, "6 in 10 min")]);

    private List<(string Id, string Type)> Rows()
    {
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT transaction_id, tx_type FROM risk_alerts ORDER BY transaction_id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    [Fact]
    public void Rows_written_with_the_old_enum_spellings_read_with_the_API_spellings_once_the_sink_starts()
    {
        using (var connection = new SqliteConnection(ConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE risk_alerts (
                  transaction_id VARCHAR(64) NOT NULL PRIMARY KEY, account_id VARCHAR(64) NOT NULL, tx_type VARCHAR(16) NOT NULL,
                  amount_minor BIGINT NOT NULL, currency VARCHAR(3) NOT NULL, event_time_ms BIGINT NOT NULL, decision VARCHAR(16) NOT NULL,
                  rules VARCHAR(2000) NOT NULL);
                INSERT INTO risk_alerts VALUES ('a1','C1','CashOut',1,'EUR',0,'Flagged','r@1: x');
                INSERT INTO risk_alerts VALUES ('a2','C1','CashIn',1,'EUR',0,'Flagged','r@1: x');
                INSERT INTO risk_alerts VALUES ('a3','C1','Payment',1,'EUR',0,'Declined','r@1: x');
                INSERT INTO risk_alerts VALUES ('a4','C1','Transfer',1,'EUR',0,'Flagged','r@1: x');
                INSERT INTO risk_alerts VALUES ('a5','C1','Debit',1,'EUR',0,'Flagged','r@1: x');
                """;
            command.ExecuteNonQuery();
        }

        var sink = new SqlAlertSink(() => new SqliteConnection(ConnectionString), postgres: false);
        sink.Write([AlertOf("b1", TransactionType.CashOut)]);

        Assert.Equal(
            [("a1", "CASH_OUT"), ("a2", "CASH_IN"), ("a3", "PAYMENT"), ("a4", "TRANSFER"), ("a5", "DEBIT"), ("b1", "CASH_OUT")],
            Rows());
    }

    [Fact]
    public void An_alert_written_twice_is_stored_once()
    {
        var sink = new SqlAlertSink(() => new SqliteConnection(ConnectionString), postgres: false);
        sink.Write([AlertOf("t1", TransactionType.Transfer), AlertOf("t2", TransactionType.Payment)]);
        sink.Write([AlertOf("t1", TransactionType.Transfer)]);

        Assert.Equal([("t1", "TRANSFER"), ("t2", "PAYMENT")], Rows());
    }

    [Fact]
    public void A_batch_larger_than_one_statement_is_stored_whole_and_its_repeats_once()
    {
        var sink = new SqlAlertSink(() => new SqliteConnection(ConnectionString), postgres: false);
        var alerts = Enumerable.Range(0, 600).Select(i => AlertOf($"t{i:D3}", TransactionType.Payment)).ToList();
        sink.Write([.. alerts, alerts[5], alerts[300]]); // a repeat within the batch
        sink.Write(alerts.Skip(250).Take(300).ToList()); // and a batch written again

        Assert.Equal(alerts.Select(a => (a.TransactionId, "PAYMENT")), Rows());
    }
}
