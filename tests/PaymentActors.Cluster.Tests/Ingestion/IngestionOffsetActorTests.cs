using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Data.Sqlite;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Ledger;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Risk;

namespace PaymentActors.Cluster.Tests.Ingestion;

/// <summary>
/// An ingestion source's committed offset on the SQLite journal: it survives a restart, and its snapshots leave no
/// hole in the journal's ordering (the query side would wait out a hole for 30 s when it meets it after a start).
/// </summary>
public sealed class IngestionOffsetActorTests : IDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-offsets-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private PaymentsNodeSettings Settings => new()
    {
        Port = 0,
        Database = DatabaseKind.Sqlite,
        DataDirectory = _directory,
        ExtraHocon = "akka.loglevel = WARNING",
    };

    [Fact]
    public async Task Commits_past_several_snapshots_leave_the_journal_without_holes_and_the_offset_survives_a_restart()
    {
        Directory.CreateDirectory(_directory);
        await using (var node = await SingleNode.StartAsync(Settings, new RiskRulesHolder(RuleSet.Default)))
        {
            var offsets = node.System.ActorOf(IngestionOffsetActor.Props("holes"));
            for (var offset = 1L; offset <= 250; offset++)
            {
                await offsets.Ask<IngestionOffsetActor.Committed>(new IngestionOffsetActor.Commit(offset * 10), AskTimeout);
            }
        }

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "payments.db")};Pooling=False"))
        {
            connection.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT COUNT(*), MAX(ordering) - MIN(ordering) + 1,
                       (SELECT COUNT(*) FROM journal WHERE persistence_id = 'ingestion-offset-holes'),
                       (SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'ingestion-offset-holes')
                FROM journal
                """;
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(reader.GetInt64(1), reader.GetInt64(0)); // every ordering from the first to the last is a row
            Assert.Equal(250, reader.GetInt64(2));
            Assert.InRange(reader.GetInt64(3), 1, 2); // the older ones are deleted (the last deletion may still be on its way at the stop)
        }

        await using (var node = await SingleNode.StartAsync(Settings, new RiskRulesHolder(RuleSet.Default)))
        {
            var offsets = node.System.ActorOf(IngestionOffsetActor.Props("holes"));
            Assert.Equal(2_500, await offsets.Ask<long>(IngestionOffsetActor.GetOffset.Instance, AskTimeout));
        }
    }

    [Fact]
    public async Task A_hole_in_the_SQLite_journal_does_not_hold_the_ledger_readers_back_after_a_start()
    {
        Directory.CreateDirectory(_directory);
        await using (var node = await SingleNode.StartAsync(Settings, new RiskRulesHolder(RuleSet.Default)))
        {
            await node.System.ActorOf(IngestionOffsetActor.Props("before-hole")).Ask<IngestionOffsetActor.Committed>(new IngestionOffsetActor.Commit(1), AskTimeout);
        }

        // A hole as a deleted event leaves it (Akka's remembered-entities store deletes its events after a snapshot).
        long after;
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "payments.db")};Pooling=False"))
        {
            connection.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO journal (deleted, persistence_id, sequence_number, message, manifest, identifier, created)
                  SELECT 0, 'hole-maker', 1, message, manifest, identifier, created FROM journal LIMIT 1;
                INSERT INTO journal (deleted, persistence_id, sequence_number, message, manifest, identifier, created)
                  SELECT 0, 'hole-maker', 2, message, manifest, identifier, created FROM journal LIMIT 1;
                DELETE FROM journal WHERE persistence_id = 'hole-maker' AND sequence_number = 1;
                SELECT MAX(ordering) FROM journal;
                """;
            after = (long)(await command.ExecuteScalarAsync())!;
        }

        await using (var node = await SingleNode.StartAsync(Settings, new RiskRulesHolder(RuleSet.Default)))
        {
            // Before, the query side waited 30 s for the missing ordering before it read past it.
            var read = LedgerJournal.Sql(node.System)(0)
                .TakeWhile(e => e.Offset < after, inclusive: true)
                .RunWith(Sink.Last<LedgerEvent>(), node.System.Materializer());
            var last = await read.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(after, last.Offset);
        }
    }
}
