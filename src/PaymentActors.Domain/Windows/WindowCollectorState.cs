namespace PaymentActors.Domain.Windows;

/// <summary>A merged, cluster-wide window result. Outputs are idempotent by (Window, Key, Start, Revision).</summary>
public sealed record WindowResult(string Window, string Key, long Start, long End, int Revision, AmountStatsState Stats)
{
    public long Count => Stats.Count;
    public long Sum => Stats.Sum;
    public long Min => Stats.Min;
    public long Max => Stats.Max;

    /// <summary>Mean amount in minor units, rounded down (display; the exact figures are Sum and Count).</summary>
    public long Mean => Stats.Count == 0 ? 0 : Stats.Sum / Stats.Count;

    public long Quantile(double q) => AmountStats.FromState(Stats).Quantile(q);

    /// <summary>The median, p95 and p99 from one rebuild of the sketch (<see cref="Quantile"/> rebuilds it per call).</summary>
    public (long P50, long P95, long P99) Percentiles()
    {
        var sketch = AmountStats.FromState(Stats);
        return (sketch.Quantile(0.5), sketch.Quantile(0.95), sketch.Quantile(0.99));
    }
}

/// <summary>What the collector knows of one window of one key: each source's latest partial.</summary>
public sealed record CollectedWindow(
    string Window,
    string Key,
    long Start,
    long End,
    IReadOnlyDictionary<string, AmountStatsState> Parts,
    int Revision,
    bool Dirty,
    WindowResult? Last);

public sealed record CollectorSnapshot(
    IReadOnlyDictionary<string, long> Watermarks,
    IReadOnlyList<string> RetiredSources,
    IReadOnlyList<CollectedWindow> Windows,
    IReadOnlyList<string> IdleSources,
    IReadOnlyDictionary<string, long> Sequences);

/// <summary>
/// The cluster-wide merge of partial window results (pure; the singleton collector persists its inputs).
/// A source is one node's window stage. A window is final once the lowest watermark of all active sources
/// has passed its end; it is then emitted with revision 1. A partial arriving later (a late firing on a node)
/// changes the merge and the window is emitted again with the next revision: outputs are idempotent by
/// window + key + start + revision, and a revision never changes value.
/// </summary>
public sealed class WindowCollectorState
{
    private readonly Dictionary<string, long> _watermarks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _retired = new(StringComparer.Ordinal);
    private readonly HashSet<string> _idle = new(StringComparer.Ordinal);
    private readonly HashSet<string> _silent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Window, string Key, long Start), Entry> _windows = new();
    private readonly HashSet<(string Window, string Key, long Start)> _dirty = [];
    private long _newestEnd = long.MinValue;
    private long _evictedUpTo = long.MinValue;

    /// <summary>Emitted windows are kept (queryable) until the newest window ends this much later than theirs.</summary>
    public long RetentionMs { get; init; } = (long)EventTimeHorizon.DefaultRetention.TotalMilliseconds;

    private sealed class Entry(string window, string key, long start, long end)
    {
        public readonly string Window = window;
        public readonly string Key = key;
        public readonly long Start = start;
        public readonly long End = end;
        public readonly Dictionary<string, AmountStatsState> Parts = new(StringComparer.Ordinal);
        public int Revision;
        public bool Dirty;
        public WindowResult? Last;
    }

    public IReadOnlyDictionary<string, long> Watermarks => _watermarks;
    public IReadOnlyCollection<string> RetiredSources => _retired;
    public int OpenWindows => _dirty.Count;
    public int KeptWindows => _windows.Count;

    /// <summary>Windows (still kept) that have been emitted at least once.</summary>
    public int EmittedWindows { get; private set; }

    public IReadOnlyCollection<string> IdleSources => _idle;

    /// <summary>
    /// Sources the collector has not heard from for its idle timeout (<see cref="MarkSilent"/>): excluded from
    /// <see cref="MinWatermark"/> until they report again. Processing-time knowledge, so not part of the snapshot: a new
    /// collector gives every source a fresh timeout.
    /// </summary>
    public IReadOnlyCollection<string> SilentSources => _silent;

    /// <summary>The last batch sequence applied from a source (0: none); older or repeated batches are not applied again.</summary>
    public long LastSequence(string source) => _sequences.GetValueOrDefault(source);

    /// <summary>
    /// Whether a batch is the next to apply: it follows the last one applied, or it opens a new epoch of its source (a
    /// window projection started again numbers its batches from <c>(epoch &lt;&lt; 32) + 1</c>, above all it sent before).
    /// </summary>
    public bool IsNext(string source, long sequence)
    {
        var last = LastSequence(source);
        return sequence == last + 1 || (sequence >> 32 > last >> 32 && (sequence & 0xFFFF_FFFFL) == 1);
    }

    public void OnSequence(string source, long sequence)
    {
        if (sequence > LastSequence(source))
        {
            _sequences[source] = sequence;
        }
    }

    /// <summary>
    /// The lowest watermark of the active sources: not retired, not idle by their own report, not silent. Idle, silent
    /// and retired sources do not hold it back (when none is active, the highest of their watermarks counts);
    /// long.MinValue when nothing has reported yet.
    /// </summary>
    public long MinWatermark
    {
        get
        {
            var min = long.MaxValue;
            var any = false;
            foreach (var (source, w) in _watermarks)
            {
                if (!_retired.Contains(source) && !_idle.Contains(source) && !_silent.Contains(source))
                {
                    any = true;
                    min = Math.Min(min, w);
                }
            }

            return any ? min : _watermarks.Count > 0 ? _watermarks.Values.Max() : long.MinValue;
        }
    }

    public void OnPartial(string source, PartialWindowResult p)
    {
        var id = (p.Window, p.Key, p.Start);
        if (!_windows.TryGetValue(id, out var entry))
        {
            _windows[id] = entry = new Entry(p.Window, p.Key, p.Start, p.End);
        }

        // A source sends accumulating partials: the same figures again (a projection re-deriving what it sent before a
        // restart) change nothing and must not make a new revision.
        if (entry.Parts.TryGetValue(source, out var known) && SameFigures(known, p.Stats))
        {
            return;
        }

        entry.Parts[source] = p.Stats;
        entry.Dirty = true;
        _dirty.Add(id);
        _newestEnd = Math.Max(_newestEnd, p.End);
    }

    /// <summary>
    /// Watermarks only move forward per source; a lower one is ignored (a reordered message). A report from a
    /// silent source brings it back: its watermark holds the merge back again.
    /// </summary>
    public void OnWatermark(string source, long watermark, bool idle = false)
    {
        _silent.Remove(source);
        if (idle)
        {
            _idle.Add(source);
        }
        else
        {
            _idle.Remove(source);
        }

        if (!_watermarks.TryGetValue(source, out var current) || watermark > current)
        {
            _watermarks[source] = watermark;
        }
    }

    /// <summary>
    /// A source that sent nothing for the collector's idle timeout (as Flink's <c>withIdleness</c>) stops holding the
    /// watermark back until it reports again. Returns false when it was not an active source (unknown, retired,
    /// idle by its own report, or already silent).
    /// </summary>
    public bool MarkSilent(string source) =>
        _watermarks.ContainsKey(source) && !_retired.Contains(source) && !_idle.Contains(source) && _silent.Add(source);

    /// <summary>A source heard from again (any message, even a resend) rejoins the merge; false when it was not silent.</summary>
    public bool Heard(string source) => _silent.Remove(source);

    /// <summary>A source that is gone (its node left or died) no longer holds the watermark back.</summary>
    public void Retire(string source) => _retired.Add(source);

    /// <summary>
    /// Sources are <c>address#incarnation</c>. When a node restarts on the same address (a single node restarted, or a
    /// whole cluster: nobody sees the old incarnation removed), its new incarnation replaces the old ones, which will
    /// never report again: these are the not yet retired sources it replaces.
    /// </summary>
    public IReadOnlyList<string> EarlierIncarnations(string source)
    {
        var hash = source.LastIndexOf('#');
        if (hash < 0)
        {
            return [];
        }

        var prefix = source[..(hash + 1)];
        return _watermarks.Keys.Where(s => s != source && s.StartsWith(prefix, StringComparison.Ordinal) && !_retired.Contains(s)).ToList();
    }

    /// <summary>
    /// Windows whose merge changed and that the watermark has passed: their next revision, earliest end first, at most
    /// <paramref name="max"/> of them (the rest stay dirty for the next call: a collector that fell behind writes and
    /// records bounded batches). Pure.
    /// </summary>
    public IReadOnlyList<WindowResult> DueResults(int max = int.MaxValue)
    {
        var min = MinWatermark;
        var due = new List<Entry>();
        foreach (var id in _dirty)
        {
            var entry = _windows[id];
            if (min >= entry.End - 1)
            {
                due.Add(entry);
            }
        }

        // Merged only for what goes out: after a long burst hundreds of thousands of windows can be due at once.
        due.Sort(static (a, b) => a.End != b.End ? a.End.CompareTo(b.End)
            : string.CompareOrdinal(a.Window, b.Window) != 0 ? string.CompareOrdinal(a.Window, b.Window)
            : string.CompareOrdinal(a.Key, b.Key));
        var results = new List<WindowResult>(Math.Min(due.Count, max));
        foreach (var entry in due.Take(max))
        {
            results.Add(new WindowResult(entry.Window, entry.Key, entry.Start, entry.End, entry.Revision + 1, Merge(entry)));
        }

        return results;
    }

    /// <summary>
    /// Records that a result went out; also forgets windows far past retention. A window whose parts changed after the
    /// result was computed (the collector writes its sinks off its thread, and partials keep arriving meanwhile) stays
    /// dirty: its next revision carries the change. Sources send accumulating partials, so a change always changes the
    /// merged count (or sum, min, max); the test is a function of the events alone, so recovery decides the same.
    /// </summary>
    public void MarkEmitted(WindowResult result)
    {
        var id0 = (result.Window, result.Key, result.Start);
        if (_windows.TryGetValue(id0, out var entry) && result.Revision > entry.Revision)
        {
            entry.Revision = result.Revision;
            EmittedWindows += entry.Last is null ? 1 : 0;
            entry.Last = result;
            if (SameFigures(Merge(entry), result.Stats))
            {
                entry.Dirty = false;
                _dirty.Remove(id0);
            }
        }

        // Retention follows the data, not the watermark: a bounded replay ends with the watermark at the end of
        // time. Evicting is a scan, so it runs only when the horizon has moved by an hour or more.
        var horizon = _newestEnd - RetentionMs;
        if (_newestEnd > long.MinValue + RetentionMs && horizon - _evictedUpTo >= NamedWindow.Hour)
        {
            _evictedUpTo = horizon;
            List<(string, string, long)>? old = null;
            foreach (var (id, e) in _windows)
            {
                if (!e.Dirty && e.End < horizon)
                {
                    (old ??= []).Add(id);
                }
            }

            old?.ForEach(id =>
            {
                EmittedWindows -= _windows.Remove(id, out var evicted) && evicted.Last is not null ? 1 : 0;
            });
        }
    }

    public IReadOnlyList<WindowResult> Query(string? window, string? keyPrefix, long fromMs, long toMs) =>
        _windows.Values
            .Where(e => e.Last is not null && (window is null || e.Window == window)
                && (keyPrefix is null || e.Key.StartsWith(keyPrefix, StringComparison.Ordinal))
                && e.End > fromMs && e.Start < toMs)
            .Select(e => e.Last!)
            .OrderBy(r => r.Start).ThenBy(r => r.Window, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal)
            .ToList();

    private static bool SameFigures(AmountStatsState a, AmountStatsState b) =>
        a.Count == b.Count && a.Sum == b.Sum && a.Min == b.Min && a.Max == b.Max;

    private static AmountStatsState Merge(Entry entry)
    {
        AmountStats? merged = null;
        foreach (var source in entry.Parts.Keys.Order(StringComparer.Ordinal))
        {
            var part = AmountStats.FromState(entry.Parts[source]);
            if (merged is null)
            {
                merged = part;
            }
            else
            {
                merged.MergeFrom(part);
            }
        }

        return merged!.ToState();
    }

    public CollectorSnapshot ToSnapshot() => new(
        new Dictionary<string, long>(_watermarks),
        _retired.Order(StringComparer.Ordinal).ToList(),
        _windows.Values.Select(e => new CollectedWindow(e.Window, e.Key, e.Start, e.End,
            new Dictionary<string, AmountStatsState>(e.Parts), e.Revision, e.Dirty, e.Last)).ToList(),
        _idle.Order(StringComparer.Ordinal).ToList(),
        new Dictionary<string, long>(_sequences));

    public static WindowCollectorState FromSnapshot(CollectorSnapshot s)
    {
        var state = new WindowCollectorState();
        foreach (var (k, v) in s.Watermarks)
        {
            state._watermarks[k] = v;
        }

        state._retired.UnionWith(s.RetiredSources);
        state._idle.UnionWith(s.IdleSources);
        foreach (var (k, v) in s.Sequences)
        {
            state._sequences[k] = v;
        }
        foreach (var w in s.Windows)
        {
            var entry = new Entry(w.Window, w.Key, w.Start, w.End) { Revision = w.Revision, Dirty = w.Dirty, Last = w.Last };
            if (w.Dirty)
            {
                state._dirty.Add((w.Window, w.Key, w.Start));
            }

            state._newestEnd = Math.Max(state._newestEnd, w.End);
            foreach (var (k, v) in w.Parts)
            {
                entry.Parts[k] = v;
            }

            state._windows[(w.Window, w.Key, w.Start)] = entry;
            state.EmittedWindows += w.Last is not null ? 1 : 0;
        }

        return state;
    }
}
