using Microsoft.Data.Sqlite;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Cluster.Tests.Analytics;

/// <summary>The window results table in the journal's database: every column as computed, idempotent by window, key, start and revision.</summary>
public sealed class SqlWindowSinkTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "pa-windows-" + Guid.NewGuid().ToString("N") + ".db");

    private string ConnectionString => $"Data Source={_file};Pooling=False";

    public void Dispose() => File.Delete(_file);

    /// <summary>600 results of 3 windows × 200 keys (more than one multi-row statement), with varied figures.</summary>
    public static List<WindowResult> Results(int revision = 1)
    {
        var results = new List<WindowResult>();
        for (var i = 0; i < 600; i++)
        {
            var stats = new AmountStats();
            for (var n = 0; n <= i % 7; n++)
            {
                stats.Add(100 + i * 13 + n * 1_000);
            }

            results.Add(new WindowResult(i % 3 == 0 ? "sliding-6h" : "hourly", $"merchant:M{i / 3:D3}/EUR", (i % 3) * NamedWindow.Hour,
                (i % 3 + 1) * NamedWindow.Hour, revision, stats.ToState()));
        }

        return results;
    }

    public static string Render(WindowResult r) =>
        $"{r.Window}|{r.Key}|{r.Start}|{r.End}|{r.Revision}|{r.Count}|{r.Sum}|{r.Min}|{r.Max}|{r.Mean}|{r.Quantile(0.5)}|{r.Quantile(0.95)}|{r.Quantile(0.99)}";

    private List<string> Rows()
    {
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM window_results";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, 13).Select(c => reader.GetValue(c).ToString())));
        }

        return rows.Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void A_batch_larger_than_one_statement_is_stored_column_for_column_and_written_again_changes_nothing()
    {
        var sink = new SqlWindowSink(() => new SqliteConnection(ConnectionString), postgres: false);
        var results = Results();
        sink.Write(results);
        sink.Write(results.Skip(100).Take(300).ToList());

        Assert.Equal(results.Select(Render).Order(StringComparer.Ordinal), Rows());
    }

    [Fact]
    public void A_new_revision_is_a_row_of_its_own()
    {
        var sink = new SqlWindowSink(() => new SqliteConnection(ConnectionString), postgres: false);
        sink.Write(Results(revision: 1));
        sink.Write(Results(revision: 2).Take(10).ToList());

        Assert.Equal(610, Rows().Count);
    }
}
