namespace PaymentActors.Domain.Windows;

/// <summary>
/// Incremental aggregation used by <see cref="WindowOperator{TKey, TValue, TAgg}"/>.
/// </summary>
/// <remarks>
/// The operator always stores the value returned by <see cref="Add"/> / <see cref="Merge"/> and never uses
/// the arguments afterwards, so an implementation may either be purely functional (return new values) or
/// mutate and return its first argument (cheaper for aggregates holding arrays, e.g. <see cref="AmountStats"/>).
/// Aggregates leave the operator (in firings and snapshots) only through <see cref="Copy"/>, so a mutable
/// aggregate must return an independent copy there; an immutable one can return its argument.
/// </remarks>
public interface IWindowAggregator<in TValue, TAgg>
{
    /// <summary>A fresh, empty aggregate.</summary>
    TAgg Empty();

    /// <summary>Adds one value; may mutate and return <paramref name="agg"/>.</summary>
    TAgg Add(TAgg agg, TValue value);

    /// <summary>Combines two aggregates (session merges, <paramref name="a"/> is the earlier session); may mutate and return <paramref name="a"/>. The operator discards <paramref name="b"/> afterwards.</summary>
    TAgg Merge(TAgg a, TAgg b);

    /// <summary>True when <paramref name="agg"/> holds no values; an empty window emits nothing when it fires.</summary>
    bool IsEmpty(TAgg agg);

    /// <summary>A value that later <see cref="Add"/>/<see cref="Merge"/> calls on <paramref name="agg"/> cannot change.</summary>
    TAgg Copy(TAgg agg);
}

/// <summary>Sum and count of integer values, the aggregate of the replay tool. Sum overflow throws <see cref="OverflowException"/>.</summary>
public readonly record struct SumCount(long Sum, long Count);

/// <summary>Aggregator for <see cref="SumCount"/> (immutable, checked arithmetic).</summary>
public sealed class SumCountAggregator : IWindowAggregator<long, SumCount>
{
    /// <summary>Shared stateless instance.</summary>
    public static readonly SumCountAggregator Instance = new();

    /// <inheritdoc/>
    public SumCount Empty() => default;

    /// <inheritdoc/>
    public SumCount Add(SumCount agg, long value) => new(checked(agg.Sum + value), agg.Count + 1);

    /// <inheritdoc/>
    public SumCount Merge(SumCount a, SumCount b) => new(checked(a.Sum + b.Sum), a.Count + b.Count);

    /// <inheritdoc/>
    public bool IsEmpty(SumCount agg) => agg.Count == 0;

    /// <inheritdoc/>
    public SumCount Copy(SumCount agg) => agg;
}
