using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using PaymentActors.Cluster.Observability;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Analytics;

/// <summary>Registry key of the window collector singleton (its proxy on every node and client).</summary>
public sealed class WindowCollector;

/// <summary>
/// Cluster singleton that merges partial window results from every node's window stage, finalises a
/// window once the lowest watermark of all live sources has passed it, and writes results to the sinks.
/// Durable: its inputs are persisted, so a new singleton (after its node died) recomputes the same
/// results with the same revisions. Results are written before <see cref="ResultsEmitted"/> is
/// persisted: a crash in between repeats an identical revision, never a different value.
/// <para>
/// A source that sends nothing for <c>sourceIdleTimeout</c> stops holding the merged watermark back until it sends
/// again (Flink's <c>withIdleness</c>); what it reports later that changes an emitted window gives it a new revision.
/// </para>
/// </summary>
public sealed class WindowCollectorActor : ReceivePersistentActor, IWithTimers
{
    public const string PersistenceIdValue = "window-collector";
    public const int DefaultMaxResults = 2_000;

    /// <summary>Results per sink write and per recorded <see cref="ResultsEmitted"/>: bounded events, and partials still merged between batches.</summary>
    public const int MaxResultsPerBatch = 10_000;
    private readonly IReadOnlyList<IWindowResultSink> _sinks;
    private readonly int _snapshotEvery;
    private readonly TimeSpan _sourceIdleTimeout;
    private readonly Dictionary<string, long> _lastHeard = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private WindowCollectorState _state = new();
    private IReadOnlyList<WindowResult>? _writing;
    private long _eventsSinceSnapshot;

    public static Props Props(IReadOnlyList<IWindowResultSink> sinks, int snapshotEvery = 500, int maxResults = DefaultMaxResults,
        TimeSpan? sourceIdleTimeout = null) =>
        Akka.Actor.Props.Create(() => new WindowCollectorActor(sinks, snapshotEvery, maxResults, sourceIdleTimeout ?? WindowSettings.Default.SourceIdleTimeout));

    public ITimerScheduler Timers { get; set; } = null!;

    public WindowCollectorActor(IReadOnlyList<IWindowResultSink> sinks, int snapshotEvery, int maxResults, TimeSpan sourceIdleTimeout)
    {
        _sinks = sinks;
        _snapshotEvery = snapshotEvery;
        _sourceIdleTimeout = sourceIdleTimeout;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is CollectorSnapshot snapshot)
            {
                _state = WindowCollectorState.FromSnapshot(snapshot);
            }
        });
        Recover<ICollectorEvent>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
            // Every source known from the journal gets a full timeout from now to report to this incarnation.
            var now = Stopwatch.GetTimestamp();
            foreach (var source in _state.Watermarks.Keys)
            {
                _lastHeard[source] = now;
            }

            var check = TimeSpan.FromTicks(Math.Clamp(_sourceIdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(5).Ticks));
            Timers.StartPeriodicTimer("idle-sources", CheckIdleSources.Instance, check);
            EmitDue();
        });

        Command<CheckIdleSources>(_ =>
        {
            var now = Stopwatch.GetTimestamp();
            var silenced = false;
            foreach (var source in _state.Watermarks.Keys)
            {
                if (!_lastHeard.TryGetValue(source, out var heard))
                {
                    _lastHeard[source] = now;
                }
                else if (Stopwatch.GetElapsedTime(heard, now) >= _sourceIdleTimeout && _state.MarkSilent(source))
                {
                    _log.Info("Window source {0} sent nothing for {1}: it no longer holds the merged watermark back until it reports again",
                        source, _sourceIdleTimeout);
                    silenced = true;
                }
            }

            if (silenced)
            {
                EmitDue();
            }
        });
        Command<WindowPartials>(m =>
        {
            // Anything from a source, even a resend, shows it is alive: a silent one rejoins the merge.
            _lastHeard[m.Source] = Stopwatch.GetTimestamp();
            if (_state.Heard(m.Source))
            {
                _log.Info("Window source {0} reports again: its watermark holds the merge back again", m.Source);
            }

            // Batches of a source are applied in order and exactly once: a resend of what is durable, or a batch
            // that skips one still in flight, only gets told where the collector stands (the node resends from there).
            if (m.Sequence > 0 && !_state.IsNext(m.Source, m.Sequence))
            {
                Sender.Tell(new WindowPartialsAck(m.Source, _state.LastSequence(m.Source)));
                return;
            }

            var sender = Sender;
            foreach (var earlier in _state.EarlierIncarnations(m.Source))
            {
                Record(new SourceRetired(earlier));
            }

            Record(new PartialsRecorded(m.Source, m.Partials, m.Watermark, m.Idle, m.Sequence),
                () => sender.Tell(new WindowPartialsAck(m.Source, m.Sequence)));
        });
        Command<RetireWindowSource>(m => Record(new SourceRetired(m.Source)));
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            // Every source of a removed node stops holding the watermark back.
            var prefix = removed.Member.Address + "#";
            foreach (var source in _state.Watermarks.Keys.Where(s => s.StartsWith(prefix, StringComparison.Ordinal) && !_state.RetiredSources.Contains(s)).ToList())
            {
                Record(new SourceRetired(source));
            }
        });
        // At most maxResults per answer (a remote message must fit a frame): the answer says when more follow, to page through.
        Command<GetWindowResults>(q =>
        {
            var size = q.Limit > 0 ? Math.Min(q.Limit, maxResults) : maxResults;
            var page = _state.Query(q.Window, q.KeyPrefix, q.FromMs, q.ToMs).Skip(Math.Max(0, q.Offset)).Take(size == int.MaxValue ? size : size + 1).ToList();
            var truncated = page.Count > size;
            Sender.Tell(new WindowResults(truncated ? page.GetRange(0, size) : page, truncated));
        });
        Command<GetCollectorStatus>(_ => Sender.Tell(new CollectorStatus(new Dictionary<string, long>(_state.Watermarks),
            _state.RetiredSources.ToList(), _state.MinWatermark, _state.OpenWindows, _state.KeptWindows, _state.EmittedWindows)));
        Command<BatchWritten>(OnBatchWritten);
        Command<BatchFailed>(f =>
        {
            // Not marked emitted: the same batch is written again (the sinks are idempotent by revision).
            _log.Error(f.Cause, "Window sinks failed for {0} results; retrying the batch in 2 s", f.Batch.Count);
            Timers.StartSingleTimer("retry-sinks", new RetryBatch(f.Batch), TimeSpan.FromSeconds(2));
        });
        Command<RetryBatch>(r => Write(r.Batch));
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Collector snapshot failed; events remain the source of truth"));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => PersistenceIdValue;

    private void Record(ICollectorEvent e, Action? afterPersist = null) => Persist(e, persisted =>
    {
        Apply(persisted);
        afterPersist?.Invoke();
        EmitDue();
    });

    /// <summary>
    /// Writes the results now due to the sinks from a task (no file or SQL I/O on the actor's thread) and persists
    /// <see cref="ResultsEmitted"/> when it completes; one batch in flight, the next computed after it (a revision is
    /// numbered only once the previous one is recorded). A failed batch is retried as it was, so a revision that reached
    /// one sink never reaches another with other values.
    /// </summary>
    private void EmitDue()
    {
        if (_writing is not null)
        {
            return; // computed again once the batch in flight is recorded
        }

        var due = _state.DueResults(MaxResultsPerBatch);
        if (due.Count > 0)
        {
            Write(due);
        }
    }

    private void Write(IReadOnlyList<WindowResult> batch)
    {
        _writing = batch;
        PaymentsMetrics.WindowCollectorBacklog(batch.Count);
        var sinks = _sinks;
        Task.Run(() =>
        {
            foreach (var sink in sinks)
            {
                sink.Write(batch);
            }
        }).PipeTo(Self, success: () => new BatchWritten(batch), failure: e => new BatchFailed(batch, e));
    }

    private void OnBatchWritten(BatchWritten written)
    {
        PaymentsMetrics.WindowResultsWritten(written.Batch.Count);
        Persist(new ResultsEmitted(written.Batch), e =>
        {
            Apply(e);
            _writing = null;
            PaymentsMetrics.WindowCollectorBacklog(0);
            EmitDue();
        });
    }

    private void Apply(ICollectorEvent e)
    {
        switch (e)
        {
            case PartialsRecorded p:
                foreach (var partial in p.Partials)
                {
                    _state.OnPartial(p.Source, partial);
                }

                _state.OnWatermark(p.Source, p.Watermark, p.Idle);
                _state.OnSequence(p.Source, p.Sequence);
                if (_state.Watermarks.Count > 0 && _state.MinWatermark != long.MinValue)
                {
                    PaymentsMetrics.WindowWatermarkLag(_state.Watermarks.Values.Max() - _state.MinWatermark);
                }

                break;
            case SourceRetired r:
                _state.Retire(r.Source);
                break;
            case ResultsEmitted r:
                foreach (var result in r.Results)
                {
                    _state.MarkEmitted(result);
                }

                break;
        }

        if (!IsRecovering && ++_eventsSinceSnapshot >= _snapshotEvery)
        {
            _eventsSinceSnapshot = 0;
            SaveSnapshot(_state.ToSnapshot());
        }
    }

    private sealed record BatchWritten(IReadOnlyList<WindowResult> Batch);

    private sealed record BatchFailed(IReadOnlyList<WindowResult> Batch, Exception Cause);

    private sealed record RetryBatch(IReadOnlyList<WindowResult> Batch);

    private sealed class CheckIdleSources
    {
        public static readonly CheckIdleSources Instance = new();
    }

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        base.PostStop();
    }
}
