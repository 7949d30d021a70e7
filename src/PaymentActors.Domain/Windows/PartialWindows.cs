namespace PaymentActors.Domain.Windows;

/// <summary>A window the analytics compute, with a stable name used in results and queries.</summary>
public sealed record NamedWindow(string Name, WindowSpec Spec, long AllowedLatenessMs = 0)
{
    public const long Hour = 3_600_000;

    /// <summary>Hourly tumbling windows and a 6-hour window sliding by 1 hour.</summary>
    public static readonly IReadOnlyList<NamedWindow> Defaults =
    [
        new("hourly", WindowSpec.Tumbling(Hour)),
        new("sliding-6h", WindowSpec.Sliding(6 * Hour, Hour)),
    ];
}

/// <summary>One node's aggregate of one window for one key: the full aggregate so far (accumulating).</summary>
public sealed record PartialWindowResult(string Window, string Key, long Start, long End, AmountStatsState Stats);

/// <summary>
/// Everything a <see cref="PartialWindowAggregator"/> holds, as data: its watermark, the newest event time it has seen,
/// its counters and every live window (named window, key, bounds, aggregate so far). A projection checkpoints it with
/// the journal offset it reached, and <see cref="PartialWindowAggregator.FromState"/> rebuilds an aggregator that
/// produces exactly what the captured one would have.
/// </summary>
public sealed record PartialWindowsState(long Watermark, long MaxEventTime, long LateDropped, long Processed, IReadOnlyList<PartialWindowResult> Windows);

/// <summary>
/// Node-side windowing: the watermark W = max event time seen − max out-of-orderness (or further, when the input goes
/// idle). Tumbling and sliding windows are computed from panes (<see cref="PanedWindows"/>); when a session window is
/// configured, every named window is one accumulating <see cref="WindowOperator{TKey,TValue,TAgg}"/>.
/// Each firing is the node's full aggregate of that window, so the collector replaces, never adds.
/// </summary>
public sealed class PartialWindowAggregator
{
    private readonly SketchedAmountAggregator _stats = new(copyOnFiring: false); // every firing is turned into a state at once
    private readonly WindowDimensions _dimensions = new();
    private readonly long _maxOutOfOrderness;
    private readonly List<WindowKey> _keys = new(4);
    private readonly PanedWindows? _panes;
    private readonly (NamedWindow Window, WindowOperator<WindowKey, SketchedAmount, AmountStats> Operator)[] _operators = [];
    private readonly List<WindowFiring<WindowKey, AmountStats>> _firings = [];
    private long _lateDroppedBefore; // by the operators of an aggregator this one was restored from
    private long _maxEventTime = long.MinValue;

    public PartialWindowAggregator(IReadOnlyList<NamedWindow> windows, long maxOutOfOrdernessMs)
    {
        _maxOutOfOrderness = maxOutOfOrdernessMs;
        if (PanedWindows.PaneOf(windows) > 0)
        {
            _panes = new PanedWindows(windows, _stats);
        }
        else
        {
            _operators = windows.Select(w => (w, new WindowOperator<WindowKey, SketchedAmount, AmountStats>(
                new WindowOperatorOptions(w.Spec, w.AllowedLatenessMs, WindowTrigger.Accumulating), _stats))).ToArray();
        }
    }

    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>Transactions too late for every window that would contain them (counted, never silently lost), once per key and named window.</summary>
    public long LateDropped => _lateDroppedBefore + (_panes?.LateDropped ?? _operators.Sum(o => o.Operator.LateDroppedCount));

    public long Processed { get; private set; }

    /// <summary>
    /// Adds one decided transaction. A late firing it causes is appended to <paramref name="output"/> here (session
    /// windows) or at the next watermark advance (panes).
    /// </summary>
    public void Add(DecidedTransaction t, List<PartialWindowResult> output)
    {
        _keys.Clear();
        _dimensions.KeysFor(t, _keys);
        var amount = _stats.Of(Math.Max(0, t.AmountMinor)); // the sketch bucket once, not once per window and key
        if (_panes is not null)
        {
            _panes.Add(_keys, amount, t.EventTimeMs);
        }
        else
        {
            foreach (var key in _keys)
            {
                foreach (var (window, op) in _operators)
                {
                    _firings.Clear();
                    op.OnEvent(key, amount, t.EventTimeMs, _firings);
                    Collect(window, output);
                }
            }
        }

        Processed++;
        if (t.EventTimeMs > _maxEventTime)
        {
            _maxEventTime = t.EventTimeMs;
        }
    }

    /// <summary>Captures the aggregator; only after a watermark advance has fired what late transactions changed.</summary>
    public PartialWindowsState ToState()
    {
        List<PartialWindowResult> windows;
        if (_panes is not null)
        {
            windows = _panes.LiveWindows();
        }
        else
        {
            windows = [];
            foreach (var (window, op) in _operators)
            {
                foreach (var w in op.Snapshot().Windows)
                {
                    windows.Add(new PartialWindowResult(window.Name, w.Key.Name, w.Start, w.End, w.Aggregate.ToState()));
                }
            }
        }

        return new PartialWindowsState(Watermark, _maxEventTime, LateDropped, Processed, windows);
    }

    /// <summary>An aggregator over <paramref name="windows"/> in the captured <paramref name="state"/>; a window no longer configured is left out.</summary>
    public static PartialWindowAggregator FromState(IReadOnlyList<NamedWindow> windows, long maxOutOfOrdernessMs, PartialWindowsState state)
    {
        var aggregator = new PartialWindowAggregator(windows, maxOutOfOrdernessMs);
        if (aggregator._panes is not null)
        {
            aggregator._panes.Restore(state.Watermark, state.LateDropped, state.Windows);
        }
        else
        {
            var byWindow = state.Windows.ToLookup(w => w.Window, StringComparer.Ordinal);
            for (var i = 0; i < aggregator._operators.Length; i++)
            {
                var (window, op) = aggregator._operators[i];
                var live = byWindow[window.Name]
                    .Where(w => w.End - 1 + window.AllowedLatenessMs > state.Watermark) // expired under a changed lateness: gone
                    .OrderBy(w => w.End).ThenBy(w => w.Start).ThenBy(w => w.Key, StringComparer.Ordinal)
                    .Select(w => new WindowStateSnapshot<WindowKey, AmountStats>(new WindowKey(w.Key), w.Start, w.End, AmountStats.FromState(w.Stats)))
                    .ToList();
                var snapshot = new WindowOperatorSnapshot<WindowKey, AmountStats>(op.Options, state.Watermark, 0, 0, live);
                aggregator._operators[i] = (window, WindowOperator<WindowKey, SketchedAmount, AmountStats>.Restore(snapshot, aggregator._stats));
            }

            aggregator._lateDroppedBefore = state.LateDropped;
        }

        aggregator.Watermark = state.Watermark;
        aggregator._maxEventTime = state.MaxEventTime;
        aggregator.Processed = state.Processed;
        return aggregator;
    }

    /// <summary>Moves the watermark to max event time − out-of-orderness; returns the firings.</summary>
    public void AdvanceWatermark(List<PartialWindowResult> output)
    {
        if (_maxEventTime == long.MinValue)
        {
            _panes?.AdvanceTo(Watermark, output);
            return;
        }

        AdvanceTo(_maxEventTime - _maxOutOfOrderness, output);
    }

    /// <summary>The input went quiet: nothing older than what was seen is expected any more, so W = max event time.</summary>
    public void AdvanceOnIdle(List<PartialWindowResult> output)
    {
        if (_maxEventTime != long.MinValue)
        {
            AdvanceTo(_maxEventTime, output);
        }
    }

    /// <summary>Fires what late transactions changed, then moves the watermark to <paramref name="watermark"/> if it is ahead.</summary>
    public void AdvanceTo(long watermark, List<PartialWindowResult> output)
    {
        if (_panes is not null)
        {
            _panes.AdvanceTo(watermark, output);
            Watermark = _panes.Watermark;
            return;
        }

        if (watermark <= Watermark)
        {
            return;
        }

        Watermark = watermark;
        foreach (var (window, op) in _operators)
        {
            _firings.Clear();
            op.OnWatermark(watermark, _firings);
            Collect(window, output);
        }
    }

    private void Collect(NamedWindow window, List<PartialWindowResult> output)
    {
        foreach (var f in _firings)
        {
            output.Add(new PartialWindowResult(window.Name, f.Key.Name, f.Start, f.End, f.Aggregate.ToState()));
        }
    }
}
