using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Ledger;
using PaymentActors.Cluster.Observability;
using PaymentActors.Domain;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Analytics;

/// <summary>Published on the event stream once a projection's checkpoint is saved: it starts from <paramref name="Offset"/> after a stop.</summary>
public sealed record WindowProjectionCheckpointed(int Partition, long Offset);

/// <summary>
/// Window analytics from the durable ledger: one of <c>partitions</c> readers of the journal (run by Akka's sharded
/// daemon process, so they spread over the nodes and move when a node goes), each aggregating the decisions of the
/// accounts whose id hashes to its partition into partial windows and sending them to the collector as the source
/// <c>ledger-N</c>. Whatever the entry point (a file, HTTP, <c>submit</c>, <c>PaymentsClient</c>), a decision is
/// counted once it is durable, and once.
/// <para>
/// Exactly once across crashes: the projection checkpoints its windows together with the journal offset it had read,
/// and only when the collector has acknowledged every partial it sent; a projection that stops (its node killed, the
/// database gone, a hand-over) starts again from its checkpoint and reads the journal on from there, re-deriving the
/// same partials. Each start is a new epoch: its partials are numbered above anything sent before, so the collector
/// takes them, and because partials accumulate (the whole window so far) a re-derived one replaces what it sent, never
/// adds to it.
/// </para>
/// </summary>
public sealed class WindowProjectionActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>Partials sent and not yet acknowledged beyond which the projection stops reading until the collector catches up.</summary>
    public const int MaxUnacknowledged = 16;

    /// <summary>A checkpoint after this many journal rows even when none of them were decisions of this partition.</summary>
    public const long CheckpointEveryRows = 50_000;

    private readonly int _partition;
    private readonly int _partitions;
    private readonly IActorRef _collector;
    private readonly LedgerJournal.Reader _ledger;
    private readonly WindowSettings _settings;
    private readonly TimeSpan _checkpointInterval;
    private readonly Func<long> _clock;
    private readonly long _maxWindowSize;
    private readonly IReadOnlyList<NamedWindow> _windows;
    private readonly LinkedList<WindowPartials> _unacknowledged = new();
    private readonly Queue<(long Offset, long MaxEventTime)> _unsettled = new(); // per batch: not yet JournalReorderRows behind
    private readonly TimeSpan _idleTimeout;
    private long _journalNewest = long.MinValue;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly EventTimeHorizon _horizon;
    private PartialWindowAggregator _aggregator;
    private long _offset;
    private long _checkpointedOffset;
    private long _epoch;
    private long _sentInEpoch;
    private long _lastSentWatermark = long.MinValue;
    private bool _reportedIdle;
    private bool _inputSinceIdleCheck;
    private bool _changedSinceCheckpoint;
    private bool _checkpointDue;
    private bool _checkpointing;
    private IActorRef? _heldReader;

    public static string PersistenceIdFor(int partition) => $"window-projection-{partition}";

    /// <summary>The projection's name at the window collector: stable across restarts and nodes.</summary>
    public static string SourceFor(int partition) => $"ledger-{partition}";

    /// <summary>The partition of an account: stable across processes (FNV-1a of its id).</summary>
    public static int PartitionOf(string accountId, int partitions) => (int)(Fnv1a.Of(accountId) % (ulong)partitions);

    /// <param name="journalEnd">
    /// The journal's newest offset. A projection's first start on a journal whose windows were counted before projections
    /// existed (the collector knows node-stage sources) starts there, so those decisions are not counted twice.
    /// </param>
    public static Props Props(int partition, int partitions, IActorRef collector, LedgerJournal.Reader ledger, WindowSettings settings,
        Func<Task<long>>? journalEnd = null, TimeSpan? checkpointInterval = null, Func<long>? clock = null) =>
        Akka.Actor.Props.Create(() => new WindowProjectionActor(partition, partitions, collector, ledger, settings, journalEnd,
            checkpointInterval ?? TimeSpan.FromSeconds(10), clock));

    public WindowProjectionActor(int partition, int partitions, IActorRef collector, LedgerJournal.Reader ledger, WindowSettings settings,
        Func<Task<long>>? journalEnd, TimeSpan checkpointInterval, Func<long>? clock)
    {
        _partition = partition;
        _partitions = partitions;
        _collector = collector;
        _ledger = ledger;
        _settings = settings;
        _checkpointInterval = checkpointInterval;
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _maxWindowSize = settings.Windows.Max(w => w.Spec.Size);
        // A decision can reach the journal long after later-dated ones (its account's node died and its shard moved, the
        // client retried): within this lateness it changes its closed windows (a new revision) instead of being dropped.
        var lateness = (long)settings.JournalAllowedLateness.TotalMilliseconds;
        _windows = settings.Windows.Select(w => w with { AllowedLatenessMs = Math.Max(w.AllowedLatenessMs, lateness) }).ToList();
        _horizon = new EventTimeHorizon(settings.Retention);
        _aggregator = NewAggregator();
        // Idle here means the journal brought nothing for this partition: decisions still in flight to their accounts
        // would be late after the watermark jumps, so the projection waits a little longer than a node stage.
        _idleTimeout = settings.IdleTimeout < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : settings.IdleTimeout;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is WindowProjectionSnapshot s)
            {
                _aggregator = PartialWindowAggregator.FromState(_windows, (long)settings.MaxOutOfOrderness.TotalMilliseconds, s.Windows);
                _offset = _checkpointedOffset = s.Offset;
                _epoch = s.Epoch;
                if (s.NewestEventTime != long.MinValue)
                {
                    _journalNewest = s.NewestEventTime;
                    _unsettled.Enqueue((s.Offset, s.NewestEventTime));
                }

                if (s.Windows.MaxEventTime != long.MinValue)
                {
                    _horizon.Observe(s.Windows.MaxEventTime);
                }
            }
        });
        Recover<WindowProjectionStarted>(e => _epoch = Math.Max(_epoch, e.Epoch));
        Recover<WindowProjectionCheckpoint>(_ => { }); // the state is in the snapshot saved after it (if that was saved)
        Recover<RecoveryCompleted>(_ => Self.Tell(Begin.Instance));

        Command<Begin>(_ =>
        {
            var first = _epoch == 0;
            Persist(new WindowProjectionStarted(_epoch + 1), e =>
            {
                _epoch = e.Epoch;
                _sentInEpoch = 0;
                Timers.StartPeriodicTimer("idle", IdleCheck.Instance, _idleTimeout);
                Timers.StartPeriodicTimer("checkpoint", CheckpointTick.Instance, _checkpointInterval);
                Timers.StartPeriodicTimer("resend", Resend.Instance, TimeSpan.FromSeconds(2));
                if (first && journalEnd is not null)
                {
                    Self.Tell(AskCollector.Instance);
                }
                else
                {
                    StartReading();
                }
            });
        });
        Command<AskCollector>(_ => _collector.Ask<CollectorStatus>(GetCollectorStatus.Instance, TimeSpan.FromSeconds(5))
            .PipeTo(Self, failure: _ => RetryAskCollector.Instance));
        Command<RetryAskCollector>(_ => Timers.StartSingleTimer("ask-collector", AskCollector.Instance, TimeSpan.FromSeconds(2)));
        Command<CollectorStatus>(status =>
        {
            if (status.Watermarks.Keys.Any(source => !source.StartsWith("ledger-", StringComparison.Ordinal)))
            {
                journalEnd!().PipeTo(Self, success: end => new FirstOffset(end), failure: _ => RetryAskCollector.Instance);
            }
            else
            {
                StartReading();
            }
        });
        Command<FirstOffset>(first =>
        {
            // The windows so far were counted by the nodes' window stages (an earlier version): count from here on.
            _log.Info("Window projection {0}: the windows before journal offset {1} were counted by the earlier node window stages; counting after it",
                _partition, first.Offset);
            _offset = Math.Max(_offset, first.Offset);
            _checkpointDue = true;
            Checkpoint();
            DeferAsync(first, _ => StartReading());
        });
        Command<ProjectionBatch>(OnBatch);
        Command<WindowPartialsAck>(ack =>
        {
            while (_unacknowledged.First is { } first && first.Value.Sequence <= ack.Sequence)
            {
                _unacknowledged.RemoveFirst();
            }

            PaymentsMetrics.ForwarderBacklog(_unacknowledged.Count);
            Proceed();
        });
        Command<Resend>(_ =>
        {
            foreach (var batch in _unacknowledged)
            {
                _collector.Tell(batch);
            }
        });
        Command<IdleCheck>(_ =>
        {
            if (!_inputSinceIdleCheck && !_reportedIdle)
            {
                // No decision in the journal for the idle timeout: what was read is complete, so the watermark moves to the
                // newest event time read (as a node stage does when idle).
                var output = new List<PartialWindowResult>();
                _unsettled.Clear();
                _aggregator.AdvanceTo(_journalNewest, output);
                Send(output, idle: true);
            }

            _inputSinceIdleCheck = false;
        });
        Command<CheckpointTick>(_ =>
        {
            if (_changedSinceCheckpoint || _offset - _checkpointedOffset >= CheckpointEveryRows)
            {
                _checkpointDue = true;
                Proceed();
            }
        });
        Command<ReadFailed>(f =>
        {
            // The journal's read side failed (an outage): start again from the checkpoint, as a new incarnation would.
            _log.Warning(f.Cause, "Window projection {0}: reading the journal failed after offset {1}; starting again from the checkpoint at {2}",
                _partition, _offset, _checkpointedOffset);
            throw new InvalidOperationException($"window projection {_partition}: the ledger read failed", f.Cause);
        });
        Command<SaveSnapshotSuccess>(s =>
        {
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
            Context.System.EventStream.Publish(new WindowProjectionCheckpointed(_partition, _checkpointedOffset));
        });
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Window projection {0}: checkpoint snapshot failed; the previous one stays", _partition));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => PersistenceIdFor(_partition);

    public ITimerScheduler Timers { get; set; } = null!;

    private string Source => SourceFor(_partition);

    private PartialWindowAggregator NewAggregator() => new(_windows, (long)_settings.MaxOutOfOrderness.TotalMilliseconds);

    private void OnBatch(ProjectionBatch batch)
    {
        var output = new List<PartialWindowResult>();
        var lateBefore = _aggregator.LateDropped;
        var latest = _clock() + (long)_settings.MaxFutureSkew.TotalMilliseconds;
        foreach (var t in batch.Decided)
        {
            // The account checks event time before deciding; this catches decisions of older versions' journals.
            _changedSinceCheckpoint |= NodeWindows.AddIfPlausible(_aggregator, t, latest, _horizon, output);
        }

        // Every partition's watermark follows the event time of the whole journal (every account's decisions, each
        // projection reads them all): a partition that few decisions fall in still closes its windows with the others.
        if (batch.NewestEventTime != long.MinValue)
        {
            _journalNewest = Math.Max(_journalNewest, batch.NewestEventTime);
            _unsettled.Enqueue((batch.LastOffset, batch.NewestEventTime));
            _inputSinceIdleCheck = true;
        }

        // The watermark follows only event times far enough behind in the journal that nothing sent before them is
        // still on its way to its account (JournalReorderRows).
        var settled = long.MinValue;
        while (_unsettled.TryPeek(out var oldest) && oldest.Offset <= batch.LastOffset - _settings.JournalReorderRows)
        {
            settled = Math.Max(settled, _unsettled.Dequeue().MaxEventTime);
        }

        var outOfOrderness = (long)_settings.MaxOutOfOrderness.TotalMilliseconds;
        _aggregator.AdvanceTo(settled == long.MinValue ? long.MinValue : settled - outOfOrderness, output);
        if (batch.InputEndedAt is { } ended && ended != long.MinValue)
        {
            // A bounded input ended and every decision before its marker has been read: its windows are complete.
            _unsettled.Clear();
            _aggregator.AdvanceTo(ended + _maxWindowSize, output);
            _changedSinceCheckpoint = true;
        }

        PaymentsMetrics.WindowLateDroppedBy(_aggregator.LateDropped - lateBefore);
        _offset = Math.Max(_offset, batch.LastOffset);
        if (output.Count > 0 || _aggregator.Watermark != _lastSentWatermark || (_reportedIdle && batch.NewestEventTime != long.MinValue))
        {
            Send(output, idle: false);
        }

        _heldReader = Sender;
        Proceed();
    }

    private void Send(List<PartialWindowResult> output, bool idle)
    {
        var partials = new WindowPartials(Source, output, _aggregator.Watermark, idle, (_epoch << 32) + ++_sentInEpoch);
        _unacknowledged.AddLast(partials);
        PaymentsMetrics.ForwarderBacklog(_unacknowledged.Count);
        _collector.Tell(partials);
        _lastSentWatermark = _aggregator.Watermark;
        _reportedIdle = idle;
        _changedSinceCheckpoint = true;
    }

    /// <summary>Lets the reader go on when the collector keeps up and no checkpoint waits; checkpoints once all is acknowledged.</summary>
    private void Proceed()
    {
        if (_checkpointDue && !_checkpointing && _unacknowledged.Count == 0)
        {
            Checkpoint();
        }

        if (_heldReader is not null && !_checkpointDue && _unacknowledged.Count < MaxUnacknowledged)
        {
            _heldReader.Tell(BatchApplied.Instance);
            _heldReader = null;
        }
    }

    /// <summary>
    /// Saves the windows with the offset read, while every partial derived from them is acknowledged (the reader waits):
    /// a projection started from this snapshot owes the collector nothing from before its offset.
    /// </summary>
    private void Checkpoint()
    {
        _checkpointing = true;
        var offset = _offset;
        Persist(new WindowProjectionCheckpoint(offset), _ =>
        {
            SaveSnapshot(new WindowProjectionSnapshot(offset, _epoch, _aggregator.ToState(), _journalNewest));
            _checkpointedOffset = offset;
            _checkpointing = false;
            _checkpointDue = false;
            _changedSinceCheckpoint = false;
            Proceed();
        });
    }

    /// <summary>
    /// Reads the journal after the offset, live, in batches of this partition's decisions; a batch is read on only once
    /// the actor has applied the previous one (and lets it go on). The stream is this actor's: it stops with it.
    /// </summary>
    private void StartReading()
    {
        var self = Self;
        var partition = _partition;
        var partitions = _partitions;
        var clock = _clock;
        var maxFutureSkewMs = (long)_settings.MaxFutureSkew.TotalMilliseconds;
        _log.Info("Window projection {0} of {1} reads the journal after offset {2} (epoch {3})", _partition, _partitions, _offset, _epoch);
        _ledger(_offset)
            .GroupedWithin(4_096, TimeSpan.FromMilliseconds(100))
            .Select(rows =>
            {
                var decided = new List<DecidedTransaction>();
                long? ended = null;
                var last = 0L;
                var newest = long.MinValue;
                var latest = clock() + maxFutureSkewMs;
                foreach (var row in rows)
                {
                    last = Math.Max(last, row.Offset);
                    if (row.Event is { } e)
                    {
                        var time = e switch
                        {
                            TransactionApproved a => a.EventTimeMs,
                            TransactionDeclined declined => declined.EventTimeMs,
                            _ => long.MinValue,
                        };
                        if (time != long.MinValue && time <= latest)
                        {
                            newest = Math.Max(newest, time);
                        }

                        if (time != long.MinValue && PartitionOf(row.AccountId, partitions) == partition && DecidedTransaction.From(e) is { } d)
                        {
                            decided.Add(d);
                        }
                    }
                    else if (row.InputEndedAt is { } at)
                    {
                        ended = Math.Max(ended ?? long.MinValue, at);
                    }
                }

                return new ProjectionBatch(decided, last, ended, newest);
            })
            // The actor answers once it has applied the batch and the collector keeps up: a long wait is a collector
            // that is moving or a database outage, not a fault of the read.
            .SelectAsync(1, batch => self.Ask<BatchApplied>(batch, TimeSpan.FromMinutes(10)))
            .RunWith(Sink.Ignore<BatchApplied>(), Context.Materializer())
            .PipeTo(self, success: () => new ReadFailed(new InvalidOperationException("the journal query ended")), failure: e => new ReadFailed(e));
    }

    /// <param name="NewestEventTime">Of every account's decisions in the batch (not dated beyond the future skew).</param>
    private sealed record ProjectionBatch(IReadOnlyList<DecidedTransaction> Decided, long LastOffset, long? InputEndedAt, long NewestEventTime);

    private sealed record ReadFailed(Exception Cause);

    private sealed record FirstOffset(long Offset);

    private sealed class AskCollector
    {
        public static readonly AskCollector Instance = new();
    }

    private sealed class RetryAskCollector
    {
        public static readonly RetryAskCollector Instance = new();
    }

    private sealed class BatchApplied
    {
        public static readonly BatchApplied Instance = new();
    }

    private sealed class Begin
    {
        public static readonly Begin Instance = new();
    }

    private sealed class IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }

    private sealed class CheckpointTick
    {
        public static readonly CheckpointTick Instance = new();
    }

    private sealed class Resend
    {
        public static readonly Resend Instance = new();
    }
}
