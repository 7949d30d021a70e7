using System.Text.Json;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Domain.Accounts;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>Where alerts are written, besides the collector's own journal.</summary>
public interface IAlertSink
{
    void Write(Alert alert);
}

public sealed class JsonLinesAlertSink(string path) : IAlertSink
{
    public void Write(Alert a)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.AppendAllText(path, JsonSerializer.Serialize(new
        {
            id = a.TransactionId, account = a.AccountId, type = a.Type.ToString(), amountMinor = a.AmountMinor, currency = a.Currency,
            eventTimeMs = a.EventTimeMs, decision = a.Status == TransactionStatus.Flagged ? "flag" : "decline", rules = a.Rules.Select(r => r.ToString()),
        }) + "\n");
    }
}

/// <summary>A table in the journal's own database, one row per alert; idempotent by transaction id.</summary>
public sealed class SqlAlertSink(Func<System.Data.Common.DbConnection> connect, bool postgres) : IAlertSink
{
    private bool _created;

    public void Write(Alert a)
    {
        using var connection = connect();
        connection.Open();
        if (!_created)
        {
            connection.Execute(null, """
                CREATE TABLE IF NOT EXISTS risk_alerts (
                  transaction_id VARCHAR(64) NOT NULL PRIMARY KEY, account_id VARCHAR(64) NOT NULL, tx_type VARCHAR(16) NOT NULL,
                  amount_minor BIGINT NOT NULL, currency VARCHAR(3) NOT NULL, event_time_ms BIGINT NOT NULL, decision VARCHAR(8) NOT NULL,
                  rules VARCHAR(2000) NOT NULL)
                """);
            _created = true;
        }

        connection.Execute(null,
            postgres
                ? "INSERT INTO risk_alerts VALUES (@id,@acc,@type,@amt,@cur,@ts,@dec,@rules) ON CONFLICT DO NOTHING"
                : "INSERT OR IGNORE INTO risk_alerts VALUES (@id,@acc,@type,@amt,@cur,@ts,@dec,@rules)",
            ("@id", a.TransactionId), ("@acc", a.AccountId), ("@type", a.Type.ToString()), ("@amt", a.AmountMinor), ("@cur", a.Currency),
            ("@ts", a.EventTimeMs), ("@dec", a.Status == TransactionStatus.Flagged ? "flag" : "decline"),
            ("@rules", string.Join("; ", a.Rules.Select(r => r.ToString()))));
    }
}
