namespace PaymentActors.Domain.Windows;

/// <summary>The three window shapes supported by <see cref="WindowOperator{TKey, TValue, TAgg}"/>.</summary>
public enum WindowKind
{
    /// <summary>Fixed-size, non-overlapping windows <c>[k·size, (k+1)·size)</c>.</summary>
    Tumbling = 0,

    /// <summary>Fixed-size windows <c>[k·slide, k·slide + size)</c>; one event belongs to up to <c>ceil(size/slide)</c> windows.</summary>
    Sliding = 1,

    /// <summary>Per-key windows that grow while events keep arriving within <c>gap</c> of each other.</summary>
    Session = 2,
}

/// <summary>
/// Describes a window assigner. All times are integer milliseconds (or any other unit, as long as
/// timestamps, sizes and watermarks agree). Windows are half-open <c>[start, end)</c>; tumbling and
/// sliding windows are aligned to epoch 0, i.e. every start is a multiple of the slide (tumbling: of the
/// size), including negative multiples, so windows may start before 0.
/// </summary>
/// <remarks>Use the <see cref="Tumbling"/>, <see cref="Sliding"/> and <see cref="Session"/> factories;
/// they validate. <see cref="Size"/> is the window size (the gap for sessions), <see cref="Slide"/>
/// equals <see cref="Size"/> for tumbling and session windows.</remarks>
public sealed record WindowSpec(WindowKind Kind, long Size, long Slide)
{
    /// <summary>Tumbling windows of <paramref name="size"/> (&gt; 0).</summary>
    public static WindowSpec Tumbling(long size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "tumbling window size must be > 0");
        return new WindowSpec(WindowKind.Tumbling, size, size);
    }

    /// <summary>Sliding windows of <paramref name="size"/> every <paramref name="slide"/>; requires 0 &lt; slide &lt;= size.</summary>
    public static WindowSpec Sliding(long size, long slide)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "sliding window size must be > 0");
        if (slide <= 0) throw new ArgumentOutOfRangeException(nameof(slide), slide, "sliding window slide must be > 0");
        if (slide > size) throw new ArgumentOutOfRangeException(nameof(slide), slide, $"sliding window slide ({slide}) must not exceed its size ({size})");
        return new WindowSpec(WindowKind.Sliding, size, slide);
    }

    /// <summary>Session windows with inactivity <paramref name="gap"/> (&gt; 0): an event at <c>ts</c> opens <c>[ts, ts+gap)</c>.</summary>
    public static WindowSpec Session(long gap)
    {
        if (gap <= 0) throw new ArgumentOutOfRangeException(nameof(gap), gap, "session gap must be > 0");
        return new WindowSpec(WindowKind.Session, gap, gap);
    }

    /// <summary>The session gap (same as <see cref="Size"/>); only meaningful for <see cref="WindowKind.Session"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long Gap => Size;

    /// <summary>Throws if this spec could not have been produced by the factories (e.g. after deserialization).</summary>
    public void Validate()
    {
        switch (Kind)
        {
            case WindowKind.Tumbling:
                if (Size <= 0 || Slide != Size) throw new ArgumentException($"invalid tumbling spec: size {Size}, slide {Slide}");
                break;
            case WindowKind.Sliding:
                if (Size <= 0 || Slide <= 0 || Slide > Size) throw new ArgumentException($"invalid sliding spec: size {Size}, slide {Slide}");
                break;
            case WindowKind.Session:
                if (Size <= 0 || Slide != Size) throw new ArgumentException($"invalid session spec: gap {Size}, slide {Slide}");
                break;
            default:
                throw new ArgumentException($"unknown window kind {Kind}");
        }
    }

    /// <summary>Largest multiple of <paramref name="step"/> that is &lt;= <paramref name="ts"/>; correct for negative timestamps.</summary>
    public static long FloorToMultiple(long ts, long step)
    {
        long r = ts % step;        // sign follows ts
        if (r < 0) r += step;      // 0 <= r < step
        return checked(ts - r);    // overflows only within one step of long.MinValue
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        WindowKind.Tumbling => $"tumbling:{Size}",
        WindowKind.Sliding => $"sliding:{Size}/{Slide}",
        _ => $"session:{Size}",
    };
}

/// <summary>What a window does when it fires.</summary>
public enum WindowTrigger
{
    /// <summary>Every firing emits the full current aggregate (Flink's default event-time trigger).</summary>
    Accumulating = 0,

    /// <summary>Fire-and-purge: after each firing the window contents are emptied; the window bounds
    /// (and, for sessions, the session extent) live on until cleanup.</summary>
    Purging = 1,
}

/// <summary>Configuration of a <see cref="WindowOperator{TKey, TValue, TAgg}"/>.</summary>
/// <param name="Spec">The window assigner.</param>
/// <param name="AllowedLateness">Allowed lateness L &gt;= 0: window state is kept until the watermark reaches <c>end − 1 + L</c>.</param>
/// <param name="Trigger">Accumulating (default) or purging.</param>
/// <param name="SideOutputLateEvents">When true, late events are reported as <see cref="EventOutcome.LateSideOutput"/>
/// (the caller forwards them to its late channel); otherwise they are <see cref="EventOutcome.LateDropped"/> and counted.</param>
public sealed record WindowOperatorOptions(
    WindowSpec Spec,
    long AllowedLateness = 0,
    WindowTrigger Trigger = WindowTrigger.Accumulating,
    bool SideOutputLateEvents = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> when any setting is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Spec);
        Spec.Validate();
        if (AllowedLateness < 0) throw new ArgumentOutOfRangeException(nameof(AllowedLateness), AllowedLateness, "allowed lateness must be >= 0");
        if (Trigger is not (WindowTrigger.Accumulating or WindowTrigger.Purging)) throw new ArgumentOutOfRangeException(nameof(Trigger), Trigger, "unknown trigger");
    }
}
