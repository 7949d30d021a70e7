namespace PaymentActors.Domain.Windows;

/// <summary>
/// Tumbling and sliding windows (accumulating) computed from panes: a pane is the span every window edge is a multiple
/// of (1 h for an hourly window and a 6-hour window sliding by 1 h), so every amount lands in exactly one pane per key,
/// and a window's aggregate is the merge of the panes it spans. An event updates one aggregate instead of one per window
/// (7 with the defaults); a window that spans a single pane of a key hands out that pane's state, computed once.
/// </summary>
/// <remarks>
/// Same results as one <see cref="WindowOperator{TKey, TValue, TAgg}"/> per named window, firing for firing, with two
/// differences the stage accepts: an amount that lands in an already fired (not yet expired) window reaches it at the
/// next watermark advance, not at once, so one late firing may stand for several; and the firings of one watermark come
/// out per named window, by end, start, then key (ordinal), as the operator orders them.
/// A window restored from captured state keeps its aggregate as a base that later panes add to.
/// </remarks>
public sealed class PanedWindows
{
    private static readonly Comparison<Pane> KeyOrder = (a, b) => string.CompareOrdinal(a.Key.Name, b.Key.Name);

    private sealed class Pane(WindowKey key, long start, AmountStats stats)
    {
        public readonly WindowKey Key = key;
        public readonly long Start = start;
        public readonly AmountStats Stats = stats;
        public AmountStatsState? State; // the stats as handed out, until they change again
        public bool LatePending;

        public AmountStatsState StateOf() => State ??= Stats.ToState();
    }

    /// <summary>The panes of one span (every key's amounts of one hour), or one restored window's aggregates.</summary>
    private sealed class PaneGroup(long start, int capacity)
    {
        public readonly long Start = start;
        public readonly Dictionary<WindowKey, Pane> ByKey = new(capacity);
        public readonly List<Pane> Panes = new(capacity);
        private bool _sorted = true;

        public Pane Add(WindowKey key, AmountStats stats)
        {
            var pane = new Pane(key, Start, stats);
            ByKey.Add(key, pane);
            Panes.Add(pane);
            _sorted = Panes.Count == 1;
            return pane;
        }

        /// <summary>The panes in key order: sorted once for every window that spans this group.</summary>
        public List<Pane> Sorted()
        {
            if (!_sorted)
            {
                Panes.Sort(KeyOrder);
                _sorted = true;
            }

            return Panes;
        }
    }

    private readonly NamedWindow[] _windows;
    private readonly long _pane;
    private readonly SketchedAmountAggregator _stats;
    private readonly Dictionary<long, PaneGroup> _groups = [];
    private readonly List<PaneGroup> _groupsByStart = [];
    private readonly Dictionary<(int Window, long Start), PaneGroup> _restored = [];
    private readonly List<Pane> _latePending = [];
    private readonly List<List<Pane>> _sources = [];
    private readonly List<long> _starts = [];
    private readonly List<AmountStats> _merging = [];
    private PaneGroup? _lastGroup;
    private int _expiredWindows; // of how many named windows every window spanning _lastGroup has expired
    private long _expiredAt = long.MinValue; // at which watermark

    /// <param name="windows">Tumbling or sliding windows only.</param>
    /// <param name="stats">Makes the aggregates.</param>
    public PanedWindows(IReadOnlyList<NamedWindow> windows, SketchedAmountAggregator stats)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0 || windows.Any(w => w.Spec.Kind == WindowKind.Session))
        {
            throw new ArgumentException("panes need at least one window and only tumbling or sliding windows", nameof(windows));
        }

        _windows = [.. windows];
        _pane = PaneOf(windows);
        _stats = stats;
    }

    /// <summary>The span every edge of <paramref name="windows"/> is a multiple of; 0 when a session window is among them.</summary>
    public static long PaneOf(IReadOnlyList<NamedWindow> windows) =>
        windows.Any(w => w.Spec.Kind == WindowKind.Session) ? 0 : windows.Aggregate(0L, (pane, w) => Gcd(Gcd(pane, w.Spec.Size), w.Spec.Slide));

    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>(amount, key, named window) triples dropped because every window of that name containing the amount had expired.</summary>
    public long LateDropped { get; private set; }

    /// <summary>Adds one amount under each of <paramref name="keys"/> at event time <paramref name="timestamp"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The amount's windows would overflow <see cref="long"/>.</exception>
    public void Add(List<WindowKey> keys, SketchedAmount amount, long timestamp)
    {
        long start;
        int expired;
        if (_lastGroup is { } last && timestamp >= last.Start && (ulong)(timestamp - last.Start) < (ulong)_pane && _expiredAt == Watermark)
        {
            start = last.Start; // most amounts land in the pane of the one before, under the same watermark
            expired = _expiredWindows;
        }
        else
        {
            try
            {
                start = WindowSpec.FloorToMultiple(timestamp, _pane);
                expired = 0;
                foreach (var window in _windows)
                {
                    var (_, latest) = Containing(start, window);
                    expired += IsExpired(checked(latest + window.Spec.Size), window) ? 1 : 0;
                }
            }
            catch (OverflowException)
            {
                throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, "timestamp too close to the range of long for its windows");
            }
        }

        LateDropped += (long)expired * keys.Count;
        if (expired == _windows.Length)
        {
            return;
        }

        var group = GroupAt(start);
        _expiredWindows = expired;
        _expiredAt = Watermark;
        var mayBeLate = start + _pane - 1 <= Watermark; // a window spanning this pane may have fired already
        foreach (var key in keys)
        {
            if (!group.ByKey.TryGetValue(key, out var pane))
            {
                pane = group.Add(key, _stats.Empty());
            }

            pane.Stats.Add(amount);
            pane.State = null;
            if (mayBeLate && !pane.LatePending)
            {
                pane.LatePending = true;
                _latePending.Add(pane);
            }
        }
    }

    /// <summary>
    /// Fires the fired, unexpired windows that late amounts changed since the last call (each once, by named window,
    /// end, key), then, when <paramref name="watermark"/> is ahead, moves to it: the windows it completes fire and the
    /// panes no window needs any more are dropped.
    /// </summary>
    public void AdvanceTo(long watermark, List<PartialWindowResult> output)
    {
        FireLate(output);
        if (watermark <= Watermark)
        {
            return;
        }

        var previous = Watermark;
        Watermark = watermark;
        for (var i = 0; i < _windows.Length; i++)
        {
            var window = _windows[i];
            foreach (var start in Starts(i, s => s + window.Spec.Size - 1 > previous && s + window.Spec.Size - 1 <= watermark))
            {
                FireAll(i, start, output);
            }
        }

        _groupsByStart.RemoveAll(group =>
        {
            for (var i = 0; i < _windows.Length; i++)
            {
                var (_, last) = Containing(group.Start, _windows[i]);
                if (!IsExpired(last + _windows[i].Spec.Size, _windows[i]))
                {
                    return false;
                }
            }

            _groups.Remove(group.Start);
            return true;
        });
        _lastGroup = null;
        foreach (var expired in _restored.Keys.Where(k => IsExpired(k.Start + _windows[k.Window].Spec.Size, _windows[k.Window])).ToList())
        {
            _restored.Remove(expired);
        }
    }

    /// <summary>Every live window with its aggregate, per named window by end, start, key; only with no late firing pending.</summary>
    public List<PartialWindowResult> LiveWindows()
    {
        if (_latePending.Count > 0)
        {
            throw new InvalidOperationException("late amounts wait for their firing: capture the state after advancing the watermark");
        }

        var windows = new List<PartialWindowResult>();
        for (var i = 0; i < _windows.Length; i++)
        {
            var window = _windows[i];
            foreach (var start in Starts(i, s => !IsExpired(s + window.Spec.Size, window)))
            {
                FireAll(i, start, windows);
            }
        }

        return windows;
    }

    /// <summary>Windows in the state captured by <see cref="LiveWindows"/>, at <paramref name="watermark"/>; those of a name no longer configured or expired under a changed lateness are left out.</summary>
    public void Restore(long watermark, long lateDropped, IEnumerable<PartialWindowResult> windows)
    {
        Watermark = watermark;
        LateDropped = lateDropped;
        foreach (var w in windows)
        {
            var index = Array.FindIndex(_windows, n => string.Equals(n.Name, w.Window, StringComparison.Ordinal));
            if (index < 0 || IsExpired(w.End, _windows[index]) || w.Stats.Count == 0)
            {
                continue;
            }

            var spec = _windows[index].Spec;
            if (w.End - w.Start != spec.Size || w.Start != WindowSpec.FloorToMultiple(w.Start, spec.Slide))
            {
                throw new ArgumentException($"captured window {w.Window} [{w.Start},{w.End}) does not match {spec}", nameof(windows));
            }

            if (!_restored.TryGetValue((index, w.Start), out var group))
            {
                group = new PaneGroup(w.Start, 0);
                _restored.Add((index, w.Start), group);
            }

            var key = new WindowKey(w.Key);
            if (group.ByKey.ContainsKey(key))
            {
                throw new ArgumentException($"captured window {w.Window} [{w.Start},{w.End}) appears twice for key {w.Key}", nameof(windows));
            }

            group.Add(key, AmountStats.FromState(w.Stats));
        }
    }

    private PaneGroup GroupAt(long start)
    {
        if (_lastGroup is { } last && last.Start == start)
        {
            return last;
        }

        if (!_groups.TryGetValue(start, out var group))
        {
            // Sized like the newest group: the next span usually sees as many keys, and growing rehashes every key.
            group = new PaneGroup(start, _groupsByStart.Count > 0 ? _groupsByStart[^1].Panes.Count : 0);
            _groups.Add(start, group);
            var at = _groupsByStart.FindIndex(g => g.Start > start);
            _groupsByStart.Insert(at < 0 ? _groupsByStart.Count : at, group);
        }

        _lastGroup = group;
        return group;
    }

    /// <summary>Starts of the windows of <paramref name="windowIndex"/> that hold anything and satisfy <paramref name="take"/>, ascending, once each.</summary>
    private List<long> Starts(int windowIndex, Func<long, bool> take)
    {
        var window = _windows[windowIndex];
        _starts.Clear();
        foreach (var group in _groupsByStart)
        {
            var (first, last) = Containing(group.Start, window);
            for (var start = first; start <= last; start += window.Spec.Slide)
            {
                if (take(start))
                {
                    _starts.Add(start);
                }
            }
        }

        foreach (var (index, start) in _restored.Keys)
        {
            if (index == windowIndex && take(start))
            {
                _starts.Add(start);
            }
        }

        _starts.Sort();
        var distinct = 0;
        for (var i = 0; i < _starts.Count; i++)
        {
            if (i == 0 || _starts[i] != _starts[distinct - 1])
            {
                _starts[distinct++] = _starts[i];
            }
        }

        _starts.RemoveRange(distinct, _starts.Count - distinct);
        return _starts;
    }

    /// <summary>Emits window [start, start + size) of <paramref name="windowIndex"/> for every key that has anything in it, in key order.</summary>
    private void FireAll(int windowIndex, long start, List<PartialWindowResult> output)
    {
        var window = _windows[windowIndex];
        var end = start + window.Spec.Size;
        _sources.Clear();
        for (var p = start; p < end; p += _pane)
        {
            if (_groups.TryGetValue(p, out var group) && group.Panes.Count > 0)
            {
                _sources.Add(group.Sorted());
            }
        }

        if (_restored.TryGetValue((windowIndex, start), out var restored))
        {
            _sources.Add(restored.Sorted());
        }

        if (_sources.Count == 1)
        {
            foreach (var pane in _sources[0])
            {
                output.Add(new PartialWindowResult(window.Name, pane.Key.Name, start, end, pane.StateOf()));
            }

            return;
        }

        // A merge of the sources, each sorted by key: every key once, its panes merged.
        Span<int> next = stackalloc int[_sources.Count];
        while (true)
        {
            Pane? least = null;
            for (var i = 0; i < _sources.Count; i++)
            {
                if (next[i] < _sources[i].Count && (least is null || KeyOrder(_sources[i][next[i]], least) < 0))
                {
                    least = _sources[i][next[i]];
                }
            }

            if (least is null)
            {
                return;
            }

            _merging.Clear();
            Pane? only = null;
            for (var i = 0; i < _sources.Count; i++)
            {
                if (next[i] < _sources[i].Count && _sources[i][next[i]].Key.Equals(least.Key))
                {
                    only = _sources[i][next[i]++];
                    _merging.Add(only.Stats);
                }
            }

            output.Add(new PartialWindowResult(window.Name, least.Key.Name, start, end, StateOf(only!)));
        }
    }

    /// <summary>Emits one key's window [start, start + size) of <paramref name="windowIndex"/>.</summary>
    private void FireOne(int windowIndex, long start, WindowKey key, List<PartialWindowResult> output)
    {
        var window = _windows[windowIndex];
        var end = start + window.Spec.Size;
        _merging.Clear();
        Pane? only = null;
        for (var p = start; p < end; p += _pane)
        {
            if (_groups.GetValueOrDefault(p) is { } group && group.ByKey.TryGetValue(key, out var pane))
            {
                only = pane;
                _merging.Add(pane.Stats);
            }
        }

        if (_restored.GetValueOrDefault((windowIndex, start)) is { } restored && restored.ByKey.TryGetValue(key, out var captured))
        {
            only = captured;
            _merging.Add(captured.Stats);
        }

        if (only is not null)
        {
            output.Add(new PartialWindowResult(window.Name, key.Name, start, end, StateOf(only)));
        }
    }

    /// <summary>The state of the panes gathered in <see cref="_merging"/>: that of <paramref name="last"/> when it is the only one.</summary>
    private AmountStatsState StateOf(Pane last) => _merging.Count == 1 ? last.StateOf() : AmountStats.MergedState(_merging);

    /// <summary>Late firings: every fired, unexpired window that a late amount changed, once, by named window, end, key.</summary>
    private void FireLate(List<PartialWindowResult> output)
    {
        if (_latePending.Count == 0)
        {
            return;
        }

        var due = new List<(int Window, long Start, WindowKey Key)>();
        foreach (var pane in _latePending)
        {
            pane.LatePending = false;
            for (var i = 0; i < _windows.Length; i++)
            {
                var window = _windows[i];
                var (first, last) = Containing(pane.Start, window);
                for (var start = first; start <= last; start += window.Spec.Slide)
                {
                    var end = start + window.Spec.Size;
                    if (end - 1 <= Watermark && !IsExpired(end, window))
                    {
                        due.Add((i, start, pane.Key));
                    }
                }
            }
        }

        _latePending.Clear();
        due.Sort((a, b) => a.Window != b.Window ? a.Window.CompareTo(b.Window)
            : a.Start != b.Start ? a.Start.CompareTo(b.Start)
            : string.CompareOrdinal(a.Key.Name, b.Key.Name));
        for (var i = 0; i < due.Count; i++)
        {
            if (i > 0 && due[i].Window == due[i - 1].Window && due[i].Start == due[i - 1].Start && due[i].Key.Equals(due[i - 1].Key))
            {
                continue;
            }

            FireOne(due[i].Window, due[i].Start, due[i].Key, output);
        }
    }

    /// <summary>First and last start of the windows of <paramref name="window"/> that span the pane at <paramref name="paneStart"/>.</summary>
    private (long First, long Last) Containing(long paneStart, NamedWindow window)
    {
        var spec = window.Spec;
        var last = WindowSpec.FloorToMultiple(paneStart, spec.Slide);
        var earliest = checked(paneStart + _pane - spec.Size); // a window spanning the pane starts at or after this
        var first = WindowSpec.FloorToMultiple(earliest, spec.Slide);
        return (first == earliest ? first : first + spec.Slide, last);
    }

    private bool IsExpired(long end, NamedWindow window)
    {
        var cleanup = end - 1;
        cleanup = cleanup > long.MaxValue - window.AllowedLatenessMs ? long.MaxValue : cleanup + window.AllowedLatenessMs;
        return cleanup <= Watermark;
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}
