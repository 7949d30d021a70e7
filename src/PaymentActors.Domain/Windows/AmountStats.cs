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
        Add(new SketchedAmount(amount, amount == 0 ? 0 : Sketch.BucketOf(amount)));
    }

    /// <summary>Adds one amount whose sketch bucket was computed once for all the windows it lands in.</summary>
    public void Add(SketchedAmount amount)
    {
        var value = amount.Amount;
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(amount), value, "amounts must be >= 0");
        long sum = checked(Sum + value);
        Sketch.Add(value, amount.Bucket);
        if (Count == 0)
        {
            Min = value;
            Max = value;
        }
        else
        {
            if (value < Min) Min = value;
            if (value > Max) Max = value;
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

    /// <summary>The <see cref="ToState"/> of all of <paramref name="parts"/> merged, without building the merged stats first.</summary>
    public static AmountStatsState MergedState(IReadOnlyList<AmountStats> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        long count = 0, sum = 0, min = 0, max = 0;
        var sketches = new AmountSketch[parts.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            sketches[i] = part.Sketch;
            if (part.Count == 0) continue;
            min = count == 0 ? part.Min : Math.Min(min, part.Min);
            max = count == 0 ? part.Max : Math.Max(max, part.Max);
            sum = checked(sum + part.Sum);
            count += part.Count;
        }

        return new AmountStatsState(count, sum, min, max, AmountSketch.MergedState(sketches));
    }

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

/// <summary>What every aggregator into <see cref="AmountStats"/> shares: mutate in place, copy on the way out.</summary>
public abstract class AmountStatsAggregatorBase<TValue>(double relativeAccuracy, bool copyOnFiring = true) : IWindowAggregator<TValue, AmountStats>
{
    /// <summary>The sketches' relative accuracy.</summary>
    public double RelativeAccuracy { get; } = relativeAccuracy;

    /// <inheritdoc/>
    public AmountStats Empty() => new(RelativeAccuracy);

    /// <inheritdoc/>
    public abstract AmountStats Add(AmountStats agg, TValue value);

    /// <inheritdoc/>
    public AmountStats Merge(AmountStats a, AmountStats b)
    {
        a.MergeFrom(b);
        return a;
    }

    /// <inheritdoc/>
    public bool IsEmpty(AmountStats agg) => agg.Count == 0;

    /// <inheritdoc/>
    public AmountStats Copy(AmountStats agg) => copyOnFiring ? agg.Clone() : agg;
}

/// <summary>Aggregator of amounts into <see cref="AmountStats"/> (mutates in place; copies on the way out).</summary>
public sealed class AmountStatsAggregator(double relativeAccuracy = AmountSketch.DefaultRelativeAccuracy)
    : AmountStatsAggregatorBase<long>(relativeAccuracy)
{
    /// <inheritdoc/>
    public override AmountStats Add(AmountStats agg, long value)
    {
        agg.Add(value);
        return agg;
    }
}

/// <summary>An amount (&gt;= 0) with its sketch bucket (<see cref="AmountSketch.BucketOf"/>; unused for zero).</summary>
public readonly record struct SketchedAmount(long Amount, int Bucket);

/// <summary>
/// Aggregator of <see cref="SketchedAmount"/>s into <see cref="AmountStats"/>: the sketch bucket of an amount is computed
/// once (<see cref="Of"/>) however many windows and keys the amount is added to.
/// </summary>
/// <param name="relativeAccuracy">The sketches' relative accuracy.</param>
/// <param name="copyOnFiring">
/// False: <see cref="AmountStatsAggregatorBase{TValue}.Copy"/> hands out the live aggregate instead of a copy. Only for
/// an owner that turns every firing into an immutable <see cref="AmountStats.ToState"/> before the operator sees another
/// event and never snapshots the operator (<see cref="PartialWindowAggregator"/>): it saves three allocations per fired window.
/// </param>
public sealed class SketchedAmountAggregator(double relativeAccuracy = AmountSketch.DefaultRelativeAccuracy, bool copyOnFiring = true)
    : AmountStatsAggregatorBase<SketchedAmount>(relativeAccuracy, copyOnFiring)
{
    private readonly AmountSketch _indexer = new(relativeAccuracy);

    /// <summary>The amount with its bucket in sketches of this aggregator's accuracy.</summary>
    public SketchedAmount Of(long amount) => new(amount, amount > 0 ? _indexer.BucketOf(amount) : 0);

    /// <inheritdoc/>
    public override AmountStats Add(AmountStats agg, SketchedAmount value)
    {
        agg.Add(value);
        return agg;
    }
}
