using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using PaymentActors.Bench.Harness;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Serialization;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// The physical limits of this machine, measured in the same process as the pipeline figures they are
/// compared with: an in-memory balance loop, a raw sharded request/response loop (<see cref="ShardedEchoLoop"/>), raw
/// batched inserts of journal-sized rows into SQLite, and binary COPY of the same rows into PostgreSQL when a server is
/// available.
/// </summary>
public static class LimitsScenario
{
    public const int RowsPerTransaction = 1000;

    public static async Task<ScenarioResult> RunAsync(bool quick)
    {
        var payload = RepresentativePayload(new PaymentsSerializer(null!));
        var loop = InMemoryLoop(quick ? 2_000_000 : 20_000_000, 10_000);
        var normal = SqliteBatchedInsert(BenchPaths.WorkDirectory, quick ? 50_000 : 500_000, payload, "NORMAL");
        var full = SqliteBatchedInsert(BenchPaths.WorkDirectory, quick ? 50_000 : 300_000, payload, "FULL");
        var directory = BenchPaths.NewRunDirectory();
        double sharded;
        try
        {
            sharded = await ShardedEchoLoop.RunAsync(new PaymentsNodeSettings { Port = 0, Database = DatabaseKind.Memory, DataDirectory = directory },
                quick ? 200_000 : 2_000_000, 10_000);
        }
        finally
        {
            BenchPaths.TryDelete(directory);
        }

        var result = new ScenarioResult("limits")
            .Rate(loop)
            .NoLatency()
            .Add("in_memory_loop_per_s", loop, loop.ToString("N0"))
            .Add("sharded_request_response_per_s", sharded, sharded.ToString("N0"))
            .Add("sqlite_insert_normal_rows_per_s", normal, normal.ToString("N0"))
            .Add("sqlite_insert_full_rows_per_s", full, full.ToString("N0"));
        await using (var postgres = await BenchPostgres.StartAsync())
        {
            if (postgres is null)
            {
                result.Add("postgres_copy_skipped", BenchPostgres.Unavailable);
            }
            else
            {
                var copy = PostgresBinaryCopy(await postgres.FreshDatabaseAsync("limits"), quick ? 50_000 : 300_000, payload);
                result.Add("postgres_copy_rows_per_s", copy, copy.ToString("N0")).Note("postgres server", postgres.Origin);
            }
        }

        return result.Add("payload_bytes", payload.Length);
    }

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

    /// <summary>
    /// Rows/s of binary COPY of the same journal-shaped rows into PostgreSQL, <see cref="RowsPerTransaction"/>
    /// rows per COPY (each COPY is one transaction, committed with the server's durability settings).
    /// </summary>
    public static double PostgresBinaryCopy(string connectionString, int rows, byte[] payload)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        Execute(connection, """
            CREATE TABLE bench_copy_limit (ordering BIGSERIAL PRIMARY KEY, persistence_id TEXT NOT NULL,
              sequence_number BIGINT NOT NULL, created BIGINT NOT NULL, manifest TEXT NOT NULL, payload BYTEA NOT NULL,
              UNIQUE (persistence_id, sequence_number));
            """);
        try
        {
            // One unmeasured batch (other persistence ids): JIT and the connection's first COPY.
            Copy(connection, "warm-C", 0, RowsPerTransaction, payload);
            var stopwatch = Stopwatch.StartNew();
            for (var start = 0; start < rows; start += RowsPerTransaction)
            {
                Copy(connection, "account-C", start, Math.Min(rows, start + RowsPerTransaction), payload);
            }

            return rows / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            Execute(connection, "DROP TABLE bench_copy_limit");
        }
    }

    private static void Copy(NpgsqlConnection connection, string prefix, int start, int end, byte[] payload)
    {
        using var writer = connection.BeginBinaryImport(
            "COPY bench_copy_limit (persistence_id, sequence_number, created, manifest, payload) FROM STDIN (FORMAT BINARY)");
        for (var i = start; i < end; i++)
        {
            writer.StartRow();
            writer.Write(prefix + (i % 10_000), NpgsqlDbType.Text);
            writer.Write((long)(i / 10_000 + 1), NpgsqlDbType.Bigint);
            writer.Write((long)i, NpgsqlDbType.Bigint);
            writer.Write("E2v2", NpgsqlDbType.Text);
            writer.Write(payload, NpgsqlDbType.Bytea);
        }

        writer.Complete();
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
