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
/// Node-side windowing: one accumulating <see cref="WindowOperator{TKey,TValue,TAgg}"/> per named window,
/// the watermark W = max event time seen − max out-of-orderness (or further, when the input goes idle).
/// Each firing is the node's full aggregate of that window, so the collector replaces, never adds.
/// </summary>
public sealed class PartialWindowAggregator
{
    /// <summary>Gathered (key, pane) aggregates beyond which they are handed to the windows before the next watermark.</summary>
    public const int MaxGathered = 1_024;

    private readonly (NamedWindow Window, WindowOperator<WindowKey, WindowValue, AmountStats> Operator)[] _operators;
    private readonly WindowValueAggregator _stats = new(copyOnFiring: false); // Collect turns each firing into a state at once
    private readonly WindowDimensions _dimensions = new();
    private readonly long _maxOutOfOrderness;
    private readonly List<WindowFiring<WindowKey, AmountStats>> _firings = [];
    private readonly List<WindowKey> _keys = new(4);

    // Pre-aggregation between watermarks: the amounts of a hot key that fall in one pane (a span every window edge is a
    // multiple of, so all of them land in the same windows) are gathered first and added to each window once. 0: off.
    private readonly long _pane;
    private readonly Dictionary<(WindowKey Key, long Pane), AmountStats> _gathered = [];
    private long _lateDroppedInBatches;
    private long _maxEventTime = long.MinValue;

    public PartialWindowAggregator(IReadOnlyList<NamedWindow> windows, long maxOutOfOrdernessMs)
    {
        _maxOutOfOrderness = maxOutOfOrdernessMs;
        _operators = windows.Select(w => (w, new WindowOperator<WindowKey, WindowValue, AmountStats>(
            new WindowOperatorOptions(w.Spec, w.AllowedLatenessMs, WindowTrigger.Accumulating), _stats))).ToArray();
        _pane = windows.Any(w => w.Spec.Kind == WindowKind.Session)
            ? 0
            : windows.Aggregate(0L, (pane, w) => Gcd(Gcd(pane, w.Spec.Size), w.Spec.Slide));
    }

    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>Transactions too late for every window that would contain them (counted, never silently lost).</summary>
    public long LateDropped => _operators.Sum(o => o.Operator.LateDroppedCount) + _lateDroppedInBatches;

    public long Processed { get; private set; }

    /// <summary>
    /// Adds one decided transaction; late firings (if any) are appended to <paramref name="output"/>, here or at the
    /// next watermark (what a hot key gathers reaches its windows then, before they fire).
    /// </summary>
    public void Add(DecidedTransaction t, List<PartialWindowResult> output)
    {
        Processed++;
        _keys.Clear();
        _dimensions.KeysFor(t, _keys);
        var amount = _stats.Of(Math.Max(0, t.AmountMinor)); // the sketch bucket once, not once per window and key
        foreach (var key in _keys)
        {
            if (_pane > 0 && key.IsHot)
            {
                var pane = WindowSpec.FloorToMultiple(t.EventTimeMs, _pane);
                if (!_gathered.TryGetValue((key, pane), out var gathered))
                {
                    gathered = _stats.Empty();
                    _gathered.Add((key, pane), gathered);
                }

                gathered.Add(amount);
                continue;
            }

            foreach (var (window, op) in _operators)
            {
                _firings.Clear();
                op.OnEvent(key, new WindowValue(amount, null), t.EventTimeMs, _firings);
                Collect(window, output);
            }
        }

        if (t.EventTimeMs > _maxEventTime)
        {
            _maxEventTime = t.EventTimeMs;
        }

        if (_gathered.Count >= MaxGathered)
        {
            HandOver(output);
        }
    }

    /// <summary>Adds what the hot keys gathered to their windows, each (key, pane) once per window.</summary>
    private void HandOver(List<PartialWindowResult> output)
    {
        foreach (var ((key, pane), gathered) in _gathered)
        {
            foreach (var (window, op) in _operators)
            {
                _firings.Clear();
                if (op.OnEvent(key, new WindowValue(default, gathered), pane, _firings) == EventOutcome.LateDropped)
                {
                    _lateDroppedInBatches += gathered.Count - 1; // the operator counted the batch as one
                }

                Collect(window, output);
            }
        }

        _gathered.Clear();
    }

    /// <summary>Captures the aggregator; only between batches (after a watermark move has handed over what hot keys gathered).</summary>
    public PartialWindowsState ToState()
    {
        if (_gathered.Count > 0)
        {
            throw new InvalidOperationException("amounts are still gathered: capture the state after advancing the watermark");
        }

        var windows = new List<PartialWindowResult>();
        foreach (var (window, op) in _operators)
        {
            foreach (var w in op.Snapshot().Windows)
            {
                windows.Add(new PartialWindowResult(window.Name, w.Key.Name, w.Start, w.End, w.Aggregate.ToState()));
            }
        }

        return new PartialWindowsState(Watermark, _maxEventTime, LateDropped, Processed, windows);
    }

    /// <summary>An aggregator over <paramref name="windows"/> in the captured <paramref name="state"/>; a window no longer configured is left out.</summary>
    public static PartialWindowAggregator FromState(IReadOnlyList<NamedWindow> windows, long maxOutOfOrdernessMs, PartialWindowsState state)
    {
        var aggregator = new PartialWindowAggregator(windows, maxOutOfOrdernessMs);
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
            aggregator._operators[i] = (window, WindowOperator<WindowKey, WindowValue, AmountStats>.Restore(snapshot, aggregator._stats));
        }

        aggregator.Watermark = state.Watermark;
        aggregator._maxEventTime = state.MaxEventTime;
        aggregator._lateDroppedInBatches = state.LateDropped;
        aggregator.Processed = state.Processed;
        return aggregator;
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    /// <summary>Moves the watermark to max event time − out-of-orderness; returns the firings.</summary>
    public void AdvanceWatermark(List<PartialWindowResult> output)
    {
        HandOver(output);
        if (_maxEventTime == long.MinValue)
        {
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

    public void AdvanceTo(long watermark, List<PartialWindowResult> output)
    {
        HandOver(output);
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
