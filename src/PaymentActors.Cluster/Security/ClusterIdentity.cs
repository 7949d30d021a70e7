using System.Data.Common;
using Microsoft.Data.Sqlite;
using PaymentActors.Cluster.Hosting;

namespace PaymentActors.Cluster.Security;

/// <summary>
/// The identity of the durable state a node serves: a random id written to the journal's database by the
/// first node that starts on it (table <c>payments_cluster_identity</c>), read by every later node. Two nodes
/// with the same identity share a journal; an in-memory journal has a fresh identity per process.
/// </summary>
public static class ClusterIdentity
{
    /// <summary>The table, created here (and, on PostgreSQL, before the node starts: <see cref="PostgresSchema"/>).</summary>
    public const string CreateTable = "CREATE TABLE IF NOT EXISTS payments_cluster_identity (singleton INTEGER PRIMARY KEY, cluster_id VARCHAR(64) NOT NULL)";

    public static string ReadOrCreate(PaymentsNodeSettings settings)
    {
        DbConnection? connection = settings.Database switch
        {
            DatabaseKind.Postgres => new Npgsql.NpgsqlConnection(settings.ConnectionString),
            DatabaseKind.Sqlite => new SqliteConnection(settings.EffectiveConnectionString),
            _ => null,
        };
        if (connection is null)
        {
            return "memory-" + Guid.NewGuid().ToString("N");
        }

        using (connection)
        {
            if (settings.Database == DatabaseKind.Sqlite)
            {
                var file = new SqliteConnectionStringBuilder(settings.EffectiveConnectionString).DataSource;
                if (Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } directory)
                {
                    Directory.CreateDirectory(directory);
                }
            }

            connection.Open();
            var insert = settings.Database == DatabaseKind.Postgres
                ? "INSERT INTO payments_cluster_identity (singleton, cluster_id) VALUES (1, @id) ON CONFLICT DO NOTHING"
                : "INSERT OR IGNORE INTO payments_cluster_identity (singleton, cluster_id) VALUES (1, @id)";
            const string create = CreateTable;
            try
            {
                Execute(connection, create);
            }
            catch (Npgsql.PostgresException e) when (e.SqlState is Npgsql.PostgresErrorCodes.UniqueViolation or Npgsql.PostgresErrorCodes.DuplicateTable)
            {
                // Nodes of a new cluster starting together: PostgreSQL's IF NOT EXISTS is not atomic against a concurrent
                // CREATE, and the loser fails on the catalog instead. The table exists now.
                Execute(connection, create);
            }

            Execute(connection, insert, Guid.NewGuid().ToString("N"));
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT cluster_id FROM payments_cluster_identity WHERE singleton = 1";
            return (string)(select.ExecuteScalar() ?? throw new InvalidOperationException("cluster identity: not written"));
        }
    }

    private static void Execute(DbConnection connection, string sql, string? id = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (id is not null)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@id";
            p.Value = id;
            command.Parameters.Add(p);
        }

        command.ExecuteNonQuery();
    }
}
