namespace PaymentActors.Domain.Windows;

/// <summary>
/// Window aggregate over payment amounts in minor units: count, sum, min, max and an <see cref="AmountSketch"/>
/// for percentiles. Mutable (for speed); <see cref="AmountStatsAggregator"/> hands out <see cref="Clone"/>s.
/// </summary>
/// <remarks>Amounts must be &gt;= 0 (the sketch is over non-negative values). The sum is checked and throws
/// <see cref="OverflowException"/> rather than wrapping. <see cref="Mean"/> is a <see cref="double"/> for display
/// only; money itself is never held in floating point.</remarks>
public sealed class AmountStats
{
    /// <summary>Creates empty stats whose sketch has the given relative accuracy.</summary>
    public AmountStats(double relativeAccuracy = AmountSketch.DefaultRelativeAccuracy)
        : this(new AmountSketch(relativeAccuracy))
    {
    }

    private AmountStats(AmountSketch sketch) => Sketch = sketch;

    /// <summary>Number of amounts.</summary>
    public long Count { get; private set; }

    /// <summary>Sum of amounts (checked).</summary>
    public long Sum { get; private set; }

    /// <summary>Smallest amount (0 when empty).</summary>
    public long Min { get; private set; }

    /// <summary>Largest amount (0 when empty).</summary>
    public long Max { get; private set; }

    /// <summary>Sum / Count as a double, for display (0 when empty).</summary>
    public double Mean => Count == 0 ? 0 : (double)Sum / Count;

    /// <summary>The percentile sketch; treat as read-only.</summary>
    public AmountSketch Sketch { get; }

    /// <summary>Estimated q-quantile, within the sketch's relative accuracy (see <see cref="AmountSketch.Quantile"/>).</summary>
    public long Quantile(double q) => Sketch.Quantile(q);

    /// <summary>Adds one amount (&gt;= 0).</summary>
    public void Add(long amount)
    {
        if (amount < 0) throw new ArgumentOutOfRangeException(nameof(amount), amount, "amounts must be >= 0");
        long sum = checked(Sum + amount);
        Sketch.Add(amount);
        if (Count == 0)
        {
            Min = amount;
            Max = amount;
        }
        else
        {
            if (amount < Min) Min = amount;
            if (amount > Max) Max = amount;
        }

        Sum = sum;
        Count++;
    }

    /// <summary>Adds all amounts of <paramref name="other"/>; <paramref name="other"/> is unchanged.</summary>
    public void MergeFrom(AmountStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0) return;
        long sum = checked(Sum + other.Sum);
        Sketch.MergeFrom(other.Sketch);
        if (Count == 0)
        {
            Min = other.Min;
            Max = other.Max;
        }
        else
        {
            Min = Math.Min(Min, other.Min);
            Max = Math.Max(Max, other.Max);
        }

        Sum = sum;
        Count += other.Count;
    }

    /// <summary>An independent copy.</summary>
    public AmountStats Clone()
    {
        var copy = new AmountStats(Sketch.Clone()) { Count = Count, Sum = Sum, Min = Min, Max = Max };
        return copy;
    }

    /// <summary>Serializable state.</summary>
    public AmountStatsState ToState() => new(Count, Sum, Min, Max, Sketch.ToState());

    /// <summary>Rebuilds stats from <see cref="ToState"/> output.</summary>
    public static AmountStats FromState(AmountStatsState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var sketch = AmountSketch.FromState(state.Sketch);
        if (sketch.Count != state.Count) throw new ArgumentException("stats count differs from sketch count", nameof(state));
        return new AmountStats(sketch) { Count = state.Count, Sum = state.Sum, Min = state.Min, Max = state.Max };
    }
}

/// <summary>Serializable state of <see cref="AmountStats"/>.</summary>
public sealed record AmountStatsState(long Count, long Sum, long Min, long Max, AmountSketchState Sketch);

/// <summary>Aggregator of amounts into <see cref="AmountStats"/> (mutates in place; copies on the way out).</summary>
public sealed class AmountStatsAggregator(double relativeAccuracy = AmountSketch.DefaultRelativeAccuracy) : IWindowAggregator<long, AmountStats>
{
    /// <summary>The sketches' relative accuracy.</summary>
    public double RelativeAccuracy { get; } = relativeAccuracy;

    /// <inheritdoc/>
    public AmountStats Empty() => new(RelativeAccuracy);

    /// <inheritdoc/>
    public AmountStats Add(AmountStats agg, long value)
    {
        agg.Add(value);
        return agg;
    }

    /// <inheritdoc/>
    public AmountStats Merge(AmountStats a, AmountStats b)
    {
        a.MergeFrom(b);
        return a;
    }

    /// <inheritdoc/>
    public bool IsEmpty(AmountStats agg) => agg.Count == 0;

    /// <inheritdoc/>
    public AmountStats Copy(AmountStats agg) => agg.Clone();
}
