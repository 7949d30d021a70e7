using Npgsql;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Risk;
using PaymentActors.Cluster.Security;

namespace PaymentActors.Cluster.Hosting;

/// <summary>
/// Every table a node uses on PostgreSQL, created before its actor system starts: in one transaction that first takes
/// a transaction-scoped advisory lock, so nodes starting together on an empty database create them one at a time.
/// PostgreSQL's <c>CREATE TABLE IF NOT EXISTS</c> is not atomic against a concurrent create (the loser fails with
/// "relation already exists" or a duplicate key in <c>pg_type</c>), and without this each node's Akka.Persistence.Sql
/// auto-initialize raced the others' and could fail its journal. The plugin's auto-initialize stays on: it finds the
/// tables and skips them.
/// <para>
/// The journal, tags and snapshot tables are the ones Akka.Persistence.Sql (1.5.x, default table names, tags in a
/// table, long timestamps) creates through linq2db, with its names for tables, columns, keys and indexes; the
/// plugin's own footer adds the same constraint and indexes when missing, so an existing database is left as it is.
/// </para>
/// </summary>
public static class PostgresSchema
{
    /// <summary>Key of the advisory lock (any constant every node agrees on): "PAYSCHEM" in ASCII.</summary>
    public const long AdvisoryLockKey = 0x5041_5953_4348_454D;

    /// <summary>Akka.Persistence.Sql's tables: journal (and its unique key and indexes), tags, snapshot.</summary>
    private static readonly string[] PluginTables =
    [
        """
        CREATE TABLE IF NOT EXISTS journal (
          ordering bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
          created bigint NOT NULL,
          deleted boolean NOT NULL,
          persistence_id text NOT NULL,
          sequence_number bigint NOT NULL,
          message bytea NOT NULL,
          manifest text,
          identifier integer,
          writer_uuid text,
          CONSTRAINT "PK_journal" PRIMARY KEY (ordering))
        """,
        """
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'journal_uq' AND conrelid = 'journal'::regclass) THEN
            ALTER TABLE journal ADD CONSTRAINT journal_uq UNIQUE (persistence_id, sequence_number);
          END IF;
        END
        $$
        """,
        "CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created)",
        "CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON journal (sequence_number)",
        """
        CREATE TABLE IF NOT EXISTS tags (
          ordering_id bigint NOT NULL,
          tag text NOT NULL,
          sequence_nr bigint NOT NULL,
          persistence_id text NOT NULL,
          CONSTRAINT "PK_tags" PRIMARY KEY (ordering_id, tag))
        """,
        "CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON tags (persistence_id, sequence_nr)",
        "CREATE INDEX IF NOT EXISTS tags_tag_idx ON tags (tag)",
        """
        CREATE TABLE IF NOT EXISTS snapshot (
          persistence_id text NOT NULL,
          sequence_number bigint NOT NULL,
          created bigint NOT NULL,
          snapshot bytea,
          manifest text,
          serializer_id integer,
          CONSTRAINT "PK_snapshot" PRIMARY KEY (persistence_id, sequence_number))
        """,
        "CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON snapshot (sequence_number)",
        "CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created)",
    ];

    /// <summary>Every statement, in order: the plugin's tables, then ours (each from its one home).</summary>
    public static IReadOnlyList<string> Statements { get; } =
        [.. PluginTables, ClusterIdentity.CreateTable, SqlWindowSink.CreateTable, SqlAlertSink.CreateTable, RulesAuditLog.CreateTable(postgres: true)];

    /// <summary>Creates what is missing; waits while another node holds the lock. Throws when the database cannot be reached.</summary>
    public static void Create(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        // Released at commit or rollback: a node that dies here holds nobody up.
        connection.Execute(transaction, "SELECT pg_advisory_xact_lock(@key)", ("@key", AdvisoryLockKey));
        foreach (var statement in Statements)
        {
            connection.Execute(transaction, statement);
        }

        transaction.Commit();
    }
}
