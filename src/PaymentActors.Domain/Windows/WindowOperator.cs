namespace PaymentActors.Domain.Windows;

/// <summary>One emitted window result.</summary>
/// <param name="Key">The grouping key.</param>
/// <param name="Start">Inclusive window start.</param>
/// <param name="End">Exclusive window end.</param>
/// <param name="Aggregate">The aggregate at firing time (a <see cref="IWindowAggregator{TValue, TAgg}.Copy"/>).
/// Accumulating trigger: everything in the window so far; purging trigger: everything since the previous firing.</param>
/// <param name="IsLateFiring">True when the firing was caused by a late event (an event arriving after the
/// window had fired but while it was still within allowed lateness), false for a watermark firing.</param>
public readonly record struct WindowFiring<TKey, TAgg>(TKey Key, long Start, long End, TAgg Aggregate, bool IsLateFiring);

/// <summary>What happened to one event passed to <see cref="WindowOperator{TKey, TValue, TAgg}.OnEvent(TKey, TValue, long, List{WindowFiring{TKey, TAgg}})"/>.</summary>
public enum EventOutcome
{
    /// <summary>Added to at least one live window (possibly causing late firings).</summary>
    Assigned = 0,

    /// <summary>Late: every window it belongs to has expired. The caller must forward it to its late channel.</summary>
    LateSideOutput = 1,

    /// <summary>Late: every window it belongs to has expired; no late channel is configured, so it was counted and dropped.</summary>
    LateDropped = 2,
}

/// <summary>Result of the allocating convenience overload of <c>OnEvent</c>.</summary>
public readonly record struct WindowEventResult<TKey, TAgg>(EventOutcome Outcome, IReadOnlyList<WindowFiring<TKey, TAgg>> Firings);

/// <summary>Thrown when a watermark lower than the current one is passed to <c>OnWatermark</c>.</summary>
public sealed class WatermarkRegressionException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public WatermarkRegressionException(long current, long requested)
        : base($"watermark went backwards: {requested} < current watermark {current}")
    {
        Current = current;
        Requested = requested;
    }

    /// <summary>The operator's watermark before the call.</summary>
    public long Current { get; }

    /// <summary>The rejected watermark.</summary>
    public long Requested { get; }
}

/// <summary>
/// Keyed event-time window operator following Flink's event-time semantics. Pure, single-threaded,
/// deterministic; no I/O and no clock.
/// </summary>
/// <remarks>
/// <para><b>Windows.</b> Half-open <c>[start, end)</c>. Tumbling/sliding starts are multiples of the slide
/// (floor division, so correct for negative timestamps; windows may start before 0). A session event at
/// <c>ts</c> makes <c>[ts, ts+gap)</c>; sessions of one key merge when they overlap or touch
/// (<c>[a,b)</c> and <c>[c,d)</c> with <c>c &lt;= b</c> and <c>a &lt;= d</c>), so an event bridging two sessions merges all three.</para>
/// <para><b>Watermark.</b> Watermark <c>W</c> asserts that no more events with timestamp <c>&lt;= W</c> are
/// expected. It starts at <see cref="long.MinValue"/>, may stay equal, and must never decrease
/// (<see cref="WatermarkRegressionException"/>). A window <i>fires</i> when <c>W &gt;= end − 1</c> and
/// <i>expires</i> (its state is cleaned up) when <c>W &gt;= end − 1 + L</c>, L being the allowed lateness.
/// With <c>L = 0</c> a window fires and expires on the same watermark.</para>
/// <para><b>Events behind the watermark.</b> Lateness is judged per window, never by comparing the event's
/// timestamp with the watermark alone:
/// <list type="bullet">
/// <item>An event with <c>ts &lt;= W</c> whose window has <c>end − 1 &gt; W</c> is perfectly possible
/// (e.g. tumbling 3000, <c>W = 1000</c>, <c>ts = 500</c>: the window <c>[0,3000)</c> has not fired). It violates the
/// watermark's promise, but it is <b>not late</b>: it is added to the window like any other event and is
/// included when the window fires normally. No immediate firing happens.</item>
/// <item>If the window has fired (<c>end − 1 &lt;= W</c>) but not expired (<c>W &lt; end − 1 + L</c>), the event is
/// added and the window fires again at once: a <i>late firing</i> (<see cref="WindowFiring{TKey, TAgg}.IsLateFiring"/>).</item>
/// <item>Windows that have expired (<c>W &gt;= end − 1 + L</c>) are never re-created. For sliding windows the event
/// is added to its non-expired windows only. The event is <i>late</i> only when all of its windows have expired;
/// it is then either reported as <see cref="EventOutcome.LateSideOutput"/> or counted in
/// <see cref="LateDroppedCount"/>.</item>
/// <item>Sessions: the event's window <c>[ts, ts+gap)</c> is first merged with the key's live sessions and only
/// then checked; since every live session is unexpired, the merged window is expired only if the event touched
/// no live session and <c>ts + gap − 1 + L &lt;= W</c>. A merged window that has already fired
/// (<c>end − 1 &lt;= W</c>) fires at once with its merged contents; one that still ends after the watermark fires normally later.</item>
/// </list></para>
/// <para><b>Triggers.</b> Accumulating: each firing emits the full aggregate. Purging: each firing emits the
/// contents since the previous firing and empties the window; its bounds live on until it expires. A window
/// without contents emits nothing when it fires.</para>
/// <para><b>Output order.</b> The firings caused by one watermark are ordered by window end, then window start,
/// then key according to the key comparer (ordinal for strings). The late firings caused by one sliding-window
/// event are ordered by window end (ascending).</para>
/// <para><b>Snapshots.</b> <see cref="Snapshot"/> captures options, watermark, counters and every live window
/// (including emptied, purged ones); <see cref="Restore"/> rebuilds an operator that produces exactly the
/// same outputs as the original would have.</para>
/// <para><b>Cost.</b> Tumbling/sliding: one dictionary lookup per (event, window); a new window costs one
/// small object and two heap pushes. Sessions keep a short sorted list per key. No LINQ on the hot path; the
/// overloads taking a <see cref="List{T}"/> do not allocate beyond window creation and output growth.</para>
/// </remarks>
public sealed class WindowOperator<TKey, TValue, TAgg>
    where TKey : notnull
{
    private sealed class State
    {
        public State(TKey key, long start, long end, TAgg agg)
        {
            Key = key;
            Start = start;
            End = end;
            Agg = agg;
            Alive = true;
        }

        public readonly TKey Key;
        public readonly long Start;
        public readonly long End;
        public TAgg Agg;
        public bool Alive;
    }

    private sealed class FireOrder(IComparer<TKey> keys) : IComparer<State>
    {
        public int Compare(State? x, State? y)
        {
            int c = x!.End.CompareTo(y!.End);
            if (c != 0) return c;
            c = x.Start.CompareTo(y.Start);
            return c != 0 ? c : keys.Compare(x.Key, y.Key);
        }
    }

    /// <summary>
    /// Windows grouped by end, earliest end first. Many windows share an end (every key's window of one hour), so a
    /// heap of distinct ends with a list each costs far less than a heap of windows, whose ties were broken by
    /// comparing keys; the order within one end (start, key) is established once, when the group is taken.
    /// </summary>
    private sealed class WindowsByEnd(FireOrder order)
    {
        private readonly Dictionary<long, List<State>> _byEnd = [];
        private readonly PriorityQueue<long, long> _ends = new();

        public void Add(State state)
        {
            if (!_byEnd.TryGetValue(state.End, out var group))
            {
                group = [];
                _byEnd.Add(state.End, group);
                _ends.Enqueue(state.End, state.End);
            }

            group.Add(state);
        }

        public bool TryPeekEnd(out long end) => _ends.TryPeek(out end, out _);

        /// <summary>Removes the group of the earliest end and returns it in firing order (start, then key).</summary>
        public List<State> TakeEarliest()
        {
            var end = _ends.Dequeue();
            var group = _byEnd[end];
            _byEnd.Remove(end);
            group.Sort(order);
            return group;
        }
    }

    private readonly WindowOperatorOptions _options;
    private readonly IWindowAggregator<TValue, TAgg> _agg;
    private readonly IComparer<TKey> _keyOrder;
    private readonly FireOrder _order;
    private readonly long _size;
    private readonly long _slide;
    private readonly long _lateness;
    private readonly bool _purging;
    private readonly bool _session;
    private readonly bool _sideOutput;

    // Windows by key, each list sorted by start: one key lookup per event and operator, then a scan of the
    // key's few live windows (at most size/slide + lateness), rather than a hash of (key, start) per window.
    private readonly Dictionary<TKey, List<State>> _aligned = new();
    private readonly Dictionary<TKey, List<State>> _sessions = new();
    private readonly WindowsByEnd _fireQueue;
    private readonly WindowsByEnd _cleanupQueue;

    private long _watermark = long.MinValue;
    private long _lateDropped;
    private long _lateSideOutput;
    private int _liveWindows;

    /// <summary>Creates an empty operator.</summary>
    /// <param name="options">Window spec, lateness, trigger, late-event policy.</param>
    /// <param name="aggregator">The aggregation.</param>
    /// <param name="keyOrder">Tie-break order of keys among simultaneous firings; defaults to
    /// <see cref="StringComparer.Ordinal"/> for strings and <see cref="Comparer{T}.Default"/> otherwise.</param>
    public WindowOperator(WindowOperatorOptions options, IWindowAggregator<TValue, TAgg> aggregator, IComparer<TKey>? keyOrder = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(aggregator);
        options.Validate();
        _options = options;
        _agg = aggregator;
        _keyOrder = keyOrder ?? (typeof(TKey) == typeof(string) ? (IComparer<TKey>)(object)StringComparer.Ordinal : Comparer<TKey>.Default);
        _order = new FireOrder(_keyOrder);
        _size = options.Spec.Size;
        _slide = options.Spec.Slide;
        _lateness = options.AllowedLateness;
        _purging = options.Trigger == WindowTrigger.Purging;
        _session = options.Spec.Kind == WindowKind.Session;
        _sideOutput = options.SideOutputLateEvents;
        _fireQueue = new WindowsByEnd(_order);
        _cleanupQueue = new WindowsByEnd(_order);
    }

    /// <summary>The configuration.</summary>
    public WindowOperatorOptions Options => _options;

    /// <summary>The current watermark (<see cref="long.MinValue"/> before the first one).</summary>
    public long CurrentWatermark => _watermark;

    /// <summary>Late events dropped because no late channel is configured.</summary>
    public long LateDroppedCount => _lateDropped;

    /// <summary>Late events reported as <see cref="EventOutcome.LateSideOutput"/>.</summary>
    public long LateSideOutputCount => _lateSideOutput;

    /// <summary>Number of live (unexpired) windows, including emptied ones.</summary>
    public int WindowCount => _liveWindows;

    /// <summary>Processes one event; late firings are appended to <paramref name="firings"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The event's window bounds would overflow <see cref="long"/>.</exception>
    /// <exception cref="OverflowException">Thrown by the aggregator (e.g. sum overflow).</exception>
    public EventOutcome OnEvent(TKey key, TValue value, long timestamp, List<WindowFiring<TKey, TAgg>> firings)
    {
        ArgumentNullException.ThrowIfNull(firings);
        bool assigned = _session ? AddToSession(key, value, timestamp, firings) : AddToAligned(key, value, timestamp, firings);
        if (assigned) return EventOutcome.Assigned;
        if (_sideOutput)
        {
            _lateSideOutput++;
            return EventOutcome.LateSideOutput;
        }

        _lateDropped++;
        return EventOutcome.LateDropped;
    }

    /// <summary>Allocating convenience overload of <see cref="OnEvent(TKey, TValue, long, List{WindowFiring{TKey, TAgg}})"/>.</summary>
    public WindowEventResult<TKey, TAgg> OnEvent(TKey key, TValue value, long timestamp)
    {
        var list = new List<WindowFiring<TKey, TAgg>>();
        var outcome = OnEvent(key, value, timestamp, list);
        return new WindowEventResult<TKey, TAgg>(outcome, list);
    }

    /// <summary>Advances the watermark, appending the firings it causes (ordered by end, start, key) to
    /// <paramref name="firings"/>, then cleans up windows that have expired.</summary>
    /// <exception cref="WatermarkRegressionException"><paramref name="watermark"/> is lower than <see cref="CurrentWatermark"/>.</exception>
    public void OnWatermark(long watermark, List<WindowFiring<TKey, TAgg>> firings)
    {
        ArgumentNullException.ThrowIfNull(firings);
        if (watermark < _watermark) throw new WatermarkRegressionException(_watermark, watermark);
        _watermark = watermark;

        while (_fireQueue.TryPeekEnd(out var end) && end - 1 <= watermark)
        {
            foreach (var state in _fireQueue.TakeEarliest())
            {
                if (state.Alive) Fire(state, lateFiring: false, firings);
            }
        }

        while (_cleanupQueue.TryPeekEnd(out var end) && IsExpired(end))
        {
            foreach (var state in _cleanupQueue.TakeEarliest())
            {
                if (state.Alive) Remove(state);
            }
        }
    }

    /// <summary>Allocating convenience overload of <see cref="OnWatermark(long, List{WindowFiring{TKey, TAgg}})"/>.</summary>
    public IReadOnlyList<WindowFiring<TKey, TAgg>> OnWatermark(long watermark)
    {
        var list = new List<WindowFiring<TKey, TAgg>>();
        OnWatermark(watermark, list);
        return list;
    }

    // ---------------------------------------------------------------- aligned (tumbling / sliding)

    private bool AddToAligned(TKey key, TValue value, long ts, List<WindowFiring<TKey, TAgg>> firings)
    {
        long lastStart, firstStart;
        try
        {
            lastStart = WindowSpec.FloorToMultiple(ts, _slide);
            // Smallest multiple of the slide that is > ts - size.
            firstStart = checked(WindowSpec.FloorToMultiple(checked(ts - _size), _slide) + _slide);
            _ = checked(lastStart + _size);
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(ts), ts, "timestamp too close to the range of long for its windows");
        }

        bool assigned = false;
        List<State>? list = null;
        for (long start = firstStart; start <= lastStart; start += _slide)
        {
            long end = start + _size;
            if (IsExpired(end)) continue;
            assigned = true;
            if (list is null && !_aligned.TryGetValue(key, out list))
            {
                list = new List<State>(4);
                _aligned.Add(key, list);
            }

            var state = FindAligned(list, start);
            if (state is null)
            {
                state = new State(key, start, end, _agg.Empty());
                list.Insert(InsertionIndex(list, start), state);
                Track(state);
            }

            state.Agg = _agg.Add(state.Agg, value);
            if (end - 1 <= _watermark) Fire(state, lateFiring: true, firings);
        }

        return assigned;
    }

    // ---------------------------------------------------------------- sessions

    private bool AddToSession(TKey key, TValue value, long ts, List<WindowFiring<TKey, TAgg>> firings)
    {
        long end;
        try
        {
            end = checked(ts + _size);
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(ts), ts, "timestamp too close to the range of long for its session window");
        }

        _sessions.TryGetValue(key, out var list);

        // Sessions of a key are disjoint, non-touching and sorted by start, so the ones
        // overlapping or touching [ts, end) form a contiguous run [first, last].
        int first = -1, last = -1;
        if (list is not null)
        {
            for (int i = 0; i < list.Count; i++)
            {
                var s = list[i];
                if (s.Start > end) break;
                if (s.End >= ts)
                {
                    if (first < 0) first = i;
                    last = i;
                }
            }
        }

        State target;
        if (first < 0)
        {
            // Touches no live session: a new window, unless it is already expired.
            if (IsExpired(end)) return false;
            target = new State(key, ts, end, _agg.Empty());
            if (list is null)
            {
                list = new List<State>(2);
                _sessions.Add(key, list);
            }

            list.Insert(InsertionIndex(list, ts), target);
            Track(target);
        }
        else if (first == last && list![first].Start <= ts && list[first].End >= end)
        {
            target = list[first]; // contained in an existing session: no bounds change
        }
        else
        {
            long mergedStart = Math.Min(ts, list![first].Start);
            long mergedEnd = Math.Max(end, list[last].End);
            TAgg merged = list[first].Agg;
            list[first].Alive = false;
            for (int i = first + 1; i <= last; i++)
            {
                merged = _agg.Merge(merged, list[i].Agg);
                list[i].Alive = false;
            }

            _liveWindows -= last - first + 1;
            target = new State(key, mergedStart, mergedEnd, merged);
            list.RemoveRange(first, last - first + 1);
            list.Insert(first, target);
            Track(target);
        }

        target.Agg = _agg.Add(target.Agg, value);
        if (target.End - 1 <= _watermark) Fire(target, lateFiring: true, firings);
        return true;
    }

    private static int InsertionIndex(List<State> list, long start)
    {
        int i = 0;
        while (i < list.Count && list[i].Start < start) i++;
        return i;
    }

    // ---------------------------------------------------------------- shared

    private bool IsExpired(long end)
    {
        long cleanup = end - 1;
        cleanup = cleanup > long.MaxValue - _lateness ? long.MaxValue : cleanup + _lateness;
        return cleanup <= _watermark;
    }

    /// <summary>Registers a new live window with the firing and cleanup queues.</summary>
    private void Track(State state)
    {
        _liveWindows++;
        if (state.End - 1 > _watermark) _fireQueue.Add(state);
        _cleanupQueue.Add(state);
    }

    private void Fire(State state, bool lateFiring, List<WindowFiring<TKey, TAgg>> firings)
    {
        if (_agg.IsEmpty(state.Agg)) return;
        firings.Add(new WindowFiring<TKey, TAgg>(state.Key, state.Start, state.End, _agg.Copy(state.Agg), lateFiring));
        if (_purging) state.Agg = _agg.Empty();
    }

    private void Remove(State state)
    {
        state.Alive = false;
        _liveWindows--;
        if (_session)
        {
            var list = _sessions[state.Key];
            list.Remove(state);
            if (list.Count == 0) _sessions.Remove(state.Key);
        }
        else
        {
            var list = _aligned[state.Key];
            list.Remove(state);
            if (list.Count == 0) _aligned.Remove(state.Key);
        }
    }

    private static State? FindAligned(List<State> list, long start)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Start == start) return list[i];
        }

        return null;
    }

    // ---------------------------------------------------------------- snapshots

    /// <summary>Captures the complete operator state as immutable data. Windows are listed in firing order
    /// (end, start, key), so equal states give equal snapshots. Aggregates are <see cref="IWindowAggregator{TValue, TAgg}.Copy"/>-ed.</summary>
    public WindowOperatorSnapshot<TKey, TAgg> Snapshot()
    {
        var live = new List<State>(_liveWindows);
        if (_session)
        {
            foreach (var list in _sessions.Values) live.AddRange(list);
        }
        else
        {
            foreach (var list in _aligned.Values) live.AddRange(list);
        }

        live.Sort(_order);
        var windows = new WindowStateSnapshot<TKey, TAgg>[live.Count];
        for (int i = 0; i < windows.Length; i++)
        {
            var s = live[i];
            windows[i] = new WindowStateSnapshot<TKey, TAgg>(s.Key, s.Start, s.End, _agg.Copy(s.Agg));
        }

        return new WindowOperatorSnapshot<TKey, TAgg>(_options, _watermark, _lateDropped, _lateSideOutput, windows);
    }

    /// <summary>Rebuilds an operator from <paramref name="snapshot"/>; it behaves exactly as the snapshotted one would have.</summary>
    /// <exception cref="ArgumentException">The snapshot is inconsistent (bad options, windows not matching the spec,
    /// expired or duplicate windows, overlapping sessions, negative counters).</exception>
    public static WindowOperator<TKey, TValue, TAgg> Restore(
        WindowOperatorSnapshot<TKey, TAgg> snapshot,
        IWindowAggregator<TValue, TAgg> aggregator,
        IComparer<TKey>? keyOrder = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(snapshot.Options);
        ArgumentNullException.ThrowIfNull(snapshot.Windows);
        var op = new WindowOperator<TKey, TValue, TAgg>(snapshot.Options, aggregator, keyOrder);
        if (snapshot.LateDroppedCount < 0 || snapshot.LateSideOutputCount < 0) throw new ArgumentException("snapshot counters must be >= 0", nameof(snapshot));
        op._watermark = snapshot.Watermark;
        op._lateDropped = snapshot.LateDroppedCount;
        op._lateSideOutput = snapshot.LateSideOutputCount;

        foreach (var w in snapshot.Windows)
        {
            if (w is null || w.Key is null) throw new ArgumentException("snapshot contains a null window or key", nameof(snapshot));
            if (w.End <= w.Start) throw new ArgumentException($"snapshot window [{w.Start},{w.End}) is empty", nameof(snapshot));
            if (op.IsExpired(w.End)) throw new ArgumentException($"snapshot window [{w.Start},{w.End}) is already expired at watermark {op._watermark}", nameof(snapshot));
            var state = new State(w.Key, w.Start, w.End, aggregator.Copy(w.Aggregate));
            if (op._session)
            {
                if (w.End - w.Start < op._size) throw new ArgumentException($"snapshot session [{w.Start},{w.End}) is shorter than the gap", nameof(snapshot));
                if (!op._sessions.TryGetValue(w.Key, out var list))
                {
                    list = new List<State>(2);
                    op._sessions.Add(w.Key, list);
                }

                int at = InsertionIndex(list, w.Start);
                if ((at > 0 && list[at - 1].End >= w.Start) || (at < list.Count && list[at].Start <= w.End))
                    throw new ArgumentException($"snapshot sessions of one key overlap or touch at [{w.Start},{w.End})", nameof(snapshot));
                list.Insert(at, state);
            }
            else
            {
                if (w.Start != WindowSpec.FloorToMultiple(w.Start, op._slide) || w.End - w.Start != op._size)
                    throw new ArgumentException($"snapshot window [{w.Start},{w.End}) does not match {snapshot.Options.Spec}", nameof(snapshot));
                if (!op._aligned.TryGetValue(w.Key, out var list))
                {
                    list = new List<State>(4);
                    op._aligned.Add(w.Key, list);
                }

                if (FindAligned(list, w.Start) is not null)
                    throw new ArgumentException($"snapshot window [{w.Start},{w.End}) appears twice for one key", nameof(snapshot));
                list.Insert(InsertionIndex(list, w.Start), state);
            }

            op.Track(state);
        }

        return op;
    }
}

/// <summary>Complete, immutable state of a <see cref="WindowOperator{TKey, TValue, TAgg}"/>.</summary>
/// <param name="Options">Operator configuration.</param>
/// <param name="Watermark">Current watermark.</param>
/// <param name="LateDroppedCount">Late events dropped so far.</param>
/// <param name="LateSideOutputCount">Late events side-output so far.</param>
/// <param name="Windows">Live windows in firing order (end, start, key).</param>
public sealed record WindowOperatorSnapshot<TKey, TAgg>(
    WindowOperatorOptions Options,
    long Watermark,
    long LateDroppedCount,
    long LateSideOutputCount,
    IReadOnlyList<WindowStateSnapshot<TKey, TAgg>> Windows);

/// <summary>One live window in a <see cref="WindowOperatorSnapshot{TKey, TAgg}"/>; an empty aggregate denotes a purged window.</summary>
public sealed record WindowStateSnapshot<TKey, TAgg>(TKey Key, long Start, long End, TAgg Aggregate);
