using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using PaymentActors.Cluster.Observability;
using PaymentActors.Domain.Accounts;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>Registry key of the alert collector singleton.</summary>
public sealed class AlertCollector;

/// <summary>
/// Cluster singleton collecting every flagged or risk-declined decision. Persistent (a new singleton after fail-over
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
    private long _total;
    private long _sinceSnapshot;
    private int _inFlight;

    public static Props Props(IReadOnlyList<IAlertSink> sinks, int retain = 20_000, int snapshotEvery = 5_000) =>
        Akka.Actor.Props.Create(() => new AlertCollectorActor(sinks, retain, snapshotEvery));

    public ITimerScheduler Timers { get; set; } = null!;

    public AlertCollectorActor(IReadOnlyList<IAlertSink> sinks, int retain, int snapshotEvery)
    {
        _sinks = sinks;
        _retain = retain;
        _snapshotEvery = snapshotEvery;
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is AlertsSnapshot s)
            {
                foreach (var a in s.Alerts)
                {
                    Remember(a);
                }

                _total = s.Total;
            }
        });
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
        Recover<RecoveryCompleted>(_ => WriteNextBatch());
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
                PaymentsMetrics.AlertStored();
                _unwritten.Add(persisted.Alert);
                WriteNextBatch();
                // Only with nothing in flight: the snapshot's sequence number then covers exactly the state it holds.
                if (++_sinceSnapshot >= _snapshotEvery && _inFlight == 0)
                {
                    _sinceSnapshot = 0;
                    // O(retained window): the dedupe window and the newest alerts for queries, not everything ever seen.
                    SaveSnapshot(new AlertsSnapshot(_alerts.ToList(), _total));
                }
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

    private sealed class BatchWritten
    {
        public static readonly BatchWritten Instance = new();
    }

    private sealed record BatchFailed(IReadOnlyList<Alert> Batch, Exception Cause);

    private sealed record RetryBatch(IReadOnlyList<Alert> Batch);
}
