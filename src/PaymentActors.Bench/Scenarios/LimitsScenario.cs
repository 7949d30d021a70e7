using System.Diagnostics;
using Microsoft.Data.Sqlite;
using PaymentActors.Bench.Harness;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Serialization;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// The physical limits of this machine, measured in the same process as the pipeline figures they are
/// compared with: an in-memory balance loop, and raw batched inserts of journal-sized rows into SQLite.
/// </summary>
public static class LimitsScenario
{
    public const int RowsPerTransaction = 1000;

    /// <summary>A payload the size of a real persisted event (TransactionApproved through our serializer).</summary>
    public static byte[] RepresentativePayload(PaymentsSerializer serializer) =>
        serializer.ToBinary(new TransactionApproved("gen-42-0001234567", TransactionType.Payment, 123_456, "M1234567890", 1_767_225_600_000, 0x1234_5678_9ABC_DEF0, false, []));

    public static double InMemoryLoop(int count, int accounts)
    {
        var balances = new Dictionary<string, long>(accounts, StringComparer.Ordinal);
        var ids = Enumerable.Range(0, accounts).Select(i => "C" + i).ToArray();
        var random = new Random(7);
        var picks = Enumerable.Range(0, count).Select(_ => random.Next(accounts)).ToArray();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var id = ids[picks[i]];
            balances.TryGetValue(id, out var balance);
            balances[id] = checked(balance + ((i & 1) == 0 ? 1_000 : -500));
        }

        return count / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Rows/s of raw batched inserts (1,000 rows per transaction) into a WAL-mode SQLite file.</summary>
    public static double SqliteBatchedInsert(string directory, int rows, byte[] payload, string synchronous)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"limits-{Guid.NewGuid():N}.db");
        try
        {
            using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            connection.Open();
            Execute(connection, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous};");
            Execute(connection, """
                CREATE TABLE journal (ordering INTEGER PRIMARY KEY AUTOINCREMENT, persistence_id TEXT NOT NULL,
                  sequence_number INTEGER NOT NULL, created INTEGER NOT NULL, manifest TEXT NOT NULL, payload BLOB NOT NULL,
                  UNIQUE (persistence_id, sequence_number));
                """);
            var stopwatch = Stopwatch.StartNew();
            for (var start = 0; start < rows; start += RowsPerTransaction)
            {
                using var tx = connection.BeginTransaction();
                using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO journal (persistence_id, sequence_number, created, manifest, payload) VALUES ($p, $s, $c, 'E2', $b)";
                var p = insert.Parameters.Add("$p", SqliteType.Text);
                var s = insert.Parameters.Add("$s", SqliteType.Integer);
                var c = insert.Parameters.Add("$c", SqliteType.Integer);
                var b = insert.Parameters.Add("$b", SqliteType.Blob);
                insert.Prepare();
                var end = Math.Min(rows, start + RowsPerTransaction);
                for (var i = start; i < end; i++)
                {
                    p.Value = "account-C" + (i % 10_000);
                    s.Value = i / 10_000 + 1;
                    c.Value = i;
                    b.Value = payload;
                    insert.ExecuteNonQuery();
                }

                tx.Commit();
            }

            return rows / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(file + suffix);
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
