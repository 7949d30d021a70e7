using System.Data.Common;
using System.Text;
using System.Text.Json;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Cluster.Analytics;

/// <summary>Where final window results go. Writes must be idempotent by window + key + start + revision.</summary>
public interface IWindowResultSink
{
    void Write(IReadOnlyList<WindowResult> results);
}

/// <summary>JSON Lines, one result per line, appended. A replay after fail-over may repeat a line: same revision, same values.</summary>
public sealed class JsonLinesWindowSink(string path) : IWindowResultSink
{
    public string Path { get; } = path;

    public void Write(IReadOnlyList<WindowResult> results)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var text = new StringBuilder();
        foreach (var r in results)
        {
            text.Append(WindowResultJson.ToJson(r)).Append('\n');
        }

        File.AppendAllText(Path, text.ToString());
    }
}

/// <summary>A table in the journal's own database; upserts by (window, key, start, revision).</summary>
public sealed class SqlWindowSink(Func<DbConnection> connect, bool postgres) : IWindowResultSink
{
    /// <summary>The table, created at first write (and, on PostgreSQL, before the node starts: <see cref="Hosting.PostgresSchema"/>).</summary>
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS window_results (
          window_name VARCHAR(64) NOT NULL, window_key VARCHAR(200) NOT NULL, window_start BIGINT NOT NULL,
          window_end BIGINT NOT NULL, revision INT NOT NULL, tx_count BIGINT NOT NULL, amount_sum BIGINT NOT NULL,
          amount_min BIGINT NOT NULL, amount_max BIGINT NOT NULL, amount_mean BIGINT NOT NULL,
          amount_p50 BIGINT NOT NULL, amount_p95 BIGINT NOT NULL, amount_p99 BIGINT NOT NULL,
          PRIMARY KEY (window_name, window_key, window_start, revision))
        """;

    private bool _created;

    public void Write(IReadOnlyList<WindowResult> results)
    {
        using var connection = connect();
        connection.Open();
        if (!_created)
        {
            connection.Execute(null, CreateTable);
            _created = true;
        }

        using var tx = connection.BeginTransaction();
        connection.InsertIgnoringDuplicates(tx, postgres, "window_results", 13, results, static (r, row) =>
        {
            row[0] = r.Window;
            row[1] = r.Key;
            row[2] = r.Start;
            row[3] = r.End;
            row[4] = r.Revision;
            row[5] = r.Count;
            row[6] = r.Sum;
            row[7] = r.Min;
            row[8] = r.Max;
            row[9] = r.Mean;
            (row[10], row[11], row[12]) = r.Percentiles();
        });
        tx.Commit();
    }
}

public static class WindowResultJson
{
    public static string ToJson(WindowResult r)
    {
        var (p50, p95, p99) = r.Percentiles();
        return JsonSerializer.Serialize(new
        {
            window = r.Window,
            key = r.Key,
            start = r.Start,
            end = r.End,
            revision = r.Revision,
            count = r.Count,
            sumMinor = r.Sum,
            minMinor = r.Min,
            maxMinor = r.Max,
            meanMinor = r.Mean,
            p50Minor = p50,
            p95Minor = p95,
            p99Minor = p99,
        });
    }
}
