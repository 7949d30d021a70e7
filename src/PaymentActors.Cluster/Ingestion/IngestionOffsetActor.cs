using Akka.Actor;
using Akka.Persistence;
using PaymentActors.Protocol.Ingestion;

namespace PaymentActors.Cluster.Ingestion;

/// <summary>
/// The committed offset of one ingestion source, in the journal: a restarted ingestion continues after
/// it. Commits only move forward; a snapshot every 100 commits keeps recovery short.
/// <para>
/// Its events are not deleted after a snapshot (they were, before): a deleted row is a hole in the journal's ordering,
/// which the journal's query side (the alert and window projections) waits out on PostgreSQL for 30 s when it meets it
/// after a node starts (cluster-config/ledger-query.hocon). A commit is one small row per ≥ 250 ms of ingestion and never
/// more than one per decision.
/// </para>
/// </summary>
public sealed class IngestionOffsetActor : ReceivePersistentActor
{
    private long _offset;

    public static Props Props(string sourceKey) => Akka.Actor.Props.Create(() => new IngestionOffsetActor(sourceKey));

    public IngestionOffsetActor(string sourceKey)
    {
        PersistenceId = "ingestion-offset-" + sourceKey;
        Recover<SnapshotOffer>(o => _offset = ((IngestionOffsetCommitted)o.Snapshot).Offset);
        Recover<IngestionOffsetCommitted>(e => _offset = Math.Max(_offset, e.Offset));
        Command<Commit>(c =>
        {
            if (c.Offset <= _offset)
            {
                Sender.Tell(Committed.Instance);
                return;
            }

            Persist(new IngestionOffsetCommitted(c.Offset), e =>
            {
                _offset = e.Offset;
                if (LastSequenceNr % 100 == 0)
                {
                    SaveSnapshot(new IngestionOffsetCommitted(_offset));
                }

                Sender.Tell(Committed.Instance);
            });
        });
        Command<GetOffset>(_ => Sender.Tell(_offset));
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId { get; }

    public sealed record Commit(long Offset);

    public sealed class Committed
    {
        public static readonly Committed Instance = new();
    }

    public sealed class GetOffset
    {
        public static readonly GetOffset Instance = new();
    }
}
