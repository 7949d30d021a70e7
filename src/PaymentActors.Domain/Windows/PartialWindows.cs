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
/// Node-side windowing: one accumulating <see cref="WindowOperator{TKey,TValue,TAgg}"/> per named window,
/// the watermark W = max event time seen − max out-of-orderness (or further, when the input goes idle).
/// Each firing is the node's full aggregate of that window, so the collector replaces, never adds.
/// </summary>
public sealed class PartialWindowAggregator
{
    private readonly (NamedWindow Window, WindowOperator<string, long, AmountStats> Operator)[] _operators;
    private readonly long _maxOutOfOrderness;
    private readonly List<WindowFiring<string, AmountStats>> _firings = [];
    private readonly List<string> _keys = new(4);
    private long _maxEventTime = long.MinValue;

    public PartialWindowAggregator(IReadOnlyList<NamedWindow> windows, long maxOutOfOrdernessMs)
    {
        _maxOutOfOrderness = maxOutOfOrdernessMs;
        _operators = windows.Select(w => (w, new WindowOperator<string, long, AmountStats>(
            new WindowOperatorOptions(w.Spec, w.AllowedLatenessMs, WindowTrigger.Accumulating), new AmountStatsAggregator()))).ToArray();
    }

    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>Transactions too late for every window that would contain them (counted, never silently lost).</summary>
    public long LateDropped => _operators.Sum(o => o.Operator.LateDroppedCount);

    public long Processed { get; private set; }

    /// <summary>Adds one decided transaction; late firings (if any) are appended to <paramref name="output"/>.</summary>
    public void Add(DecidedTransaction t, List<PartialWindowResult> output)
    {
        Processed++;
        _keys.Clear();
        WindowDimensions.KeysFor(t, _keys);
        var amount = Math.Max(0, t.AmountMinor);
        foreach (var (window, op) in _operators)
        {
            foreach (var key in _keys)
            {
                _firings.Clear();
                op.OnEvent(key, amount, t.EventTimeMs, _firings);
                Collect(window, output);
            }
        }

        if (t.EventTimeMs > _maxEventTime)
        {
            _maxEventTime = t.EventTimeMs;
        }
    }

    /// <summary>Moves the watermark to max event time − out-of-orderness; returns the firings.</summary>
    public void AdvanceWatermark(List<PartialWindowResult> output)
    {
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
            output.Add(new PartialWindowResult(window.Name, f.Key, f.Start, f.End, f.Aggregate.ToState()));
        }
    }
}
