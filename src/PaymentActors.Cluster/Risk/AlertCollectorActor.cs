using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Ledger;
using PaymentActors.Cluster.Observability;
using PaymentActors.Domain.Accounts;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>Registry key of the alert collector singleton.</summary>
public sealed class AlertCollector;

/// <summary>
/// Cluster singleton collecting every flagged or risk-declined decision. On a SQL journal it reads them from the
/// journal itself (<see cref="LedgerJournal"/>: every account event after its committed offset, then live): each batch
/// of alerts found is persisted together with the offset it reached (<see cref="AlertsProjected"/>, one write), so a
/// collector that dies, moves or loses its database resumes after exactly what it applied, and a decision made while
/// it was down is read when it is back: at least once from the durable ledger, applied once. (On the in-memory journal
/// the accounts tell it <see cref="AlertRaised"/> instead.) Persistent (a new singleton after fail-over
/// has them all), idempotent by transaction id within a bounded window of the newest <c>retain</c> alerts (which also
/// answer queries), queryable by account and event-time range. Alerts are persisted without stalling the mailbox
/// (<c>PersistAsync</c>: the journal batches them) and written to the sinks in batches by a task whose completion is
/// piped back: no file or SQL I/O on the actor's thread, one batch in flight, the next gathering meanwhile. A sink
/// that fails is retried with the same batch (sinks are idempotent by id) after a pause.
/// </summary>
public sealed class AlertCollectorActor : ReceivePersistentActor, IWithTimers
{
    private const int MaxBatch = 1_000;
    private readonly IReadOnlyList<IAlertSink> _sinks;
    private readonly int _retain;
    private readonly int _snapshotEvery;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<Alert> _alerts = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly List<Alert> _unwritten = [];
    private IReadOnlyList<Alert>? _writing;
    private readonly LedgerJournal.Reader? _ledger;
    private long _total;
    private long _sinceSnapshot;
    private int _inFlight;

    // The journal offset up to which every alert is applied (persisted with them, or passed by events that raised none).
    private long _ledgerOffset;
    private long _committedOffset;

    /// <param name="ledger">Where alerts are read from; null: only from <see cref="AlertRaised"/> messages.</param>
    public static Props Props(IReadOnlyList<IAlertSink> sinks, int retain = 20_000, int snapshotEvery = 5_000, LedgerJournal.Reader? ledger = null) =>
        Akka.Actor.Props.Create(() => new AlertCollectorActor(sinks, retain, snapshotEvery, ledger));

    public ITimerScheduler Timers { get; set; } = null!;

    public AlertCollectorActor(IReadOnlyList<IAlertSink> sinks, int retain, int snapshotEvery, LedgerJournal.Reader? ledger)
    {
        _sinks = sinks;
        _retain = retain;
        _snapshotEvery = snapshotEvery;
        _ledger = ledger;
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is AlertsSnapshot s)
            {
                foreach (var a in s.Alerts)
                {
                    Remember(a);
                }

                _total = s.Total;
                _ledgerOffset = _committedOffset = s.LedgerOffset;
            }
        });
        Recover<AlertsProjected>(Apply);
        Recover<AlertRaised>(e =>
        {
            if (Remember(e.Alert))
            {
                _total++;
                _unwritten.Add(e.Alert);
            }
        });
        // The alerts replayed after the snapshot may not have reached the sinks before the last incarnation ended: written
        // again (the SQL sink ignores repeats by id; the JSON Lines file may repeat a line).
        Recover<RecoveryCompleted>(_ =>
        {
            WriteNextBatch();
            StartProjection();
        });
        Command<ProjectBatch>(b =>
        {
            var fresh = b.Alerts.Where(a => !_ids.Contains(a.TransactionId)).ToList();
            if (fresh.Count == 0 && b.Offset - _committedOffset < CommitOffsetEvery)
            {
                // Nothing to apply: the offset moves on in memory (a restart reads those few events again, finding nothing).
                _ledgerOffset = Math.Max(_ledgerOffset, b.Offset);
                Sender.Tell(ProjectBatchDone.Instance);
                return;
            }

            var sender = Sender;
            Persist(new AlertsProjected(fresh, b.Offset), e =>
            {
                Apply(e);
                PaymentsMetrics.AlertStored(e.Alerts.Count);
                sender.Tell(ProjectBatchDone.Instance);
                WriteNextBatch();
                SnapshotIfDue(e.Alerts.Count);
            });
        });
        Command<ProjectionFailed>(f =>
        {
            // The journal's read side failed (an outage): start again from the journal, as a new incarnation would.
            _log.Warning(f.Cause, "Reading alerts from the journal failed after offset {0}; restarting from the committed offset", _ledgerOffset);
            throw new InvalidOperationException("alert-collector: the ledger read failed", f.Cause);
        });
        Command<AlertRaised>(e =>
        {
            // Remembered before the write: a repeat arriving while the first is in flight is recognised too.
            if (!Remember(e.Alert))
            {
                return; // the same decision reported again
            }

            _inFlight++;
            PersistAsync(e, persisted =>
            {
                _inFlight--;
                _total++;
                PaymentsMetrics.AlertStored(1);
                _unwritten.Add(persisted.Alert);
                WriteNextBatch();
                SnapshotIfDue(1);
            });
        });
        Command<BatchWritten>(_ =>
        {
            _writing = null;
            WriteNextBatch();
        });
        Command<BatchFailed>(f =>
        {
            _log.Error(f.Cause, "Alert sinks failed for {0} alerts; retrying the batch in 2 s", f.Batch.Count);
            Timers.StartSingleTimer("retry-sinks", new RetryBatch(f.Batch), TimeSpan.FromSeconds(2));
        });
        Command<RetryBatch>(r => Write(r.Batch));
        Command<GetAlerts>(q =>
        {
            // Total is the number of alerts matching the query (the account and time range), not the number ever
            // recorded: "/alerts?account=A" for an account without alerts answers 0. Unfiltered, it is every alert
            // recorded, including those older than the retained window.
            var result = new List<Alert>();
            long matching = 0;
            for (var node = _alerts.Last; node is not null; node = node.Previous)
            {
                var a = node.Value;
                if ((q.AccountId is null || a.AccountId == q.AccountId) && a.EventTimeMs >= q.FromMs && a.EventTimeMs < q.ToMs)
                {
                    matching++;
                    if (result.Count < Math.Max(1, q.Limit))
                    {
                        result.Add(a);
                    }
                }
            }

            var unfiltered = q.AccountId is null && q.FromMs == long.MinValue && q.ToMs == long.MaxValue;
            Sender.Tell(new AlertsReply(result, unfiltered ? _total : matching));
        });
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Alert collector snapshot failed; events remain the source of truth"));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => "alert-collector";

    /// <summary>Batches without alerts still commit the offset once this many journal rows have passed.</summary>
    private const long CommitOffsetEvery = 50_000;

    private void Apply(AlertsProjected e)
    {
        foreach (var alert in e.Alerts)
        {
            if (Remember(alert))
            {
                _total++;
                _unwritten.Add(alert);
            }
        }

        _ledgerOffset = Math.Max(_ledgerOffset, e.LedgerOffset);
        _committedOffset = Math.Max(_committedOffset, e.LedgerOffset);
    }

    private void SnapshotIfDue(int added)
    {
        _sinceSnapshot += added;
        // Only with nothing in flight: the snapshot's sequence number then covers exactly the state it holds.
        if (_sinceSnapshot >= _snapshotEvery && _inFlight == 0)
        {
            _sinceSnapshot = 0;
            // O(retained window): the dedupe window and the newest alerts for queries, not everything ever seen.
            SaveSnapshot(new AlertsSnapshot(_alerts.ToList(), _total, _ledgerOffset));
        }
    }

    /// <summary>
    /// Reads the journal after the committed offset, live, in batches; each batch waits until the previous one is
    /// persisted (one in flight), so the read never runs ahead of what is committed by more than a batch. The stream is
    /// this actor's: it stops with it, and a new incarnation starts one from what was persisted.
    /// </summary>
    private void StartProjection()
    {
        if (_ledger is null)
        {
            return;
        }

        var self = Self;
        _ledger(_ledgerOffset)
            .GroupedWithin(5_000, TimeSpan.FromMilliseconds(200))
            .SelectAsync(1, async batch =>
            {
                var alerts = new List<Alert>();
                foreach (var e in batch)
                {
                    if (e.Event is not null && LedgerJournal.AlertOf(e.AccountId, e.Event) is { } alert)
                    {
                        alerts.Add(alert);
                    }
                }

                return await self.Ask<ProjectBatchDone>(new ProjectBatch(alerts, batch.Last().Offset), TimeSpan.FromSeconds(60));
            })
            .RunWith(Sink.Ignore<ProjectBatchDone>(), Context.Materializer())
            .PipeTo(self, success: () => new ProjectionFailed(new InvalidOperationException("the journal query ended")), failure: e => new ProjectionFailed(e));
    }

    private void WriteNextBatch()
    {
        if (_writing is null && _unwritten.Count > 0)
        {
            var batch = _unwritten.Take(MaxBatch).ToList();
            _unwritten.RemoveRange(0, batch.Count);
            Write(batch);
        }

        PaymentsMetrics.AlertCollectorBacklog(_unwritten.Count + (_writing?.Count ?? 0));
    }

    private void Write(IReadOnlyList<Alert> batch)
    {
        _writing = batch;
        var sinks = _sinks;
        Task.Run(() =>
        {
            foreach (var sink in sinks)
            {
                sink.Write(batch);
            }
        }).PipeTo(Self, success: () => BatchWritten.Instance, failure: e => new BatchFailed(batch, e));
    }

    private bool Remember(Alert alert)
    {
        if (!_ids.Add(alert.TransactionId))
        {
            return false;
        }

        _alerts.AddLast(alert);
        while (_alerts.Count > _retain)
        {
            _ids.Remove(_alerts.First!.Value.TransactionId);
            _alerts.RemoveFirst();
        }

        return true;
    }

    /// <summary>Alerts read from the journal up to an offset; answered once they and the offset are durable.</summary>
    private sealed record ProjectBatch(IReadOnlyList<Alert> Alerts, long Offset);

    private sealed class ProjectBatchDone
    {
        public static readonly ProjectBatchDone Instance = new();
    }

    private sealed record ProjectionFailed(Exception Cause);

    private sealed class BatchWritten
    {
        public static readonly BatchWritten Instance = new();
    }

    private sealed record BatchFailed(IReadOnlyList<Alert> Batch, Exception Cause);

    private sealed record RetryBatch(IReadOnlyList<Alert> Batch);
}
