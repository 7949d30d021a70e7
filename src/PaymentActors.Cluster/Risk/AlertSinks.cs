using System.Text.Json;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>Where alerts are written, besides the collector's own journal. Called off the actor's thread, one batch at a time.</summary>
public interface IAlertSink
{
    void Write(IReadOnlyList<Alert> alerts);
}

public sealed class JsonLinesAlertSink(string path) : IAlertSink
{
    public void Write(IReadOnlyList<Alert> alerts)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var text = new System.Text.StringBuilder();
        foreach (var a in alerts)
        {
            text.Append(JsonSerializer.Serialize(AlertView.Of(a))).Append('\n');
        }

        File.AppendAllText(path, text.ToString());
    }
}

/// <summary>A table in the journal's own database, one row per alert; idempotent by transaction id; one transaction per batch.</summary>
public sealed class SqlAlertSink(Func<System.Data.Common.DbConnection> connect, bool postgres) : IAlertSink
{
    /// <summary>The table, created at first write (and, on PostgreSQL, before the node starts: <see cref="Hosting.PostgresSchema"/>).</summary>
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS risk_alerts (
          transaction_id VARCHAR(64) NOT NULL PRIMARY KEY, account_id VARCHAR(64) NOT NULL, tx_type VARCHAR(16) NOT NULL,
          amount_minor BIGINT NOT NULL, currency VARCHAR(3) NOT NULL, event_time_ms BIGINT NOT NULL, decision VARCHAR(16) NOT NULL,
          rules VARCHAR(2000) NOT NULL)
        """;

    private bool _created;

    public void Write(IReadOnlyList<Alert> alerts)
    {
        using var connection = connect();
        connection.Open();
        if (!_created)
        {
            connection.Execute(null, CreateTable);
            // Rows stored before the API's spellings became the sinks' (earlier versions wrote the enum names, "CashOut"):
            // rewritten once, in place, so one query sees one vocabulary. A no-op on a table with none left.
            connection.Execute(null, """
                UPDATE risk_alerts SET tx_type = CASE tx_type
                  WHEN 'Payment' THEN 'PAYMENT' WHEN 'Transfer' THEN 'TRANSFER' WHEN 'CashIn' THEN 'CASH_IN'
                  WHEN 'CashOut' THEN 'CASH_OUT' WHEN 'Debit' THEN 'DEBIT' ELSE tx_type END
                WHERE tx_type IN ('Payment', 'Transfer', 'CashIn', 'CashOut', 'Debit')
                """);
            _created = true;
        }

        using var transaction = connection.BeginTransaction();
        connection.InsertIgnoringDuplicates(transaction, postgres, "risk_alerts", 8, alerts, static (a, row) =>
        {
            row[0] = a.TransactionId;
            row[1] = a.AccountId;
            row[2] = a.Type.ToWire();
            row[3] = a.AmountMinor;
            row[4] = a.Currency;
            row[5] = a.EventTimeMs;
            row[6] = a.Status.ToString();
            row[7] = string.Join("; ", a.Rules.Select(r => r.ToString()));
        });
        transaction.Commit();
    }
}
