namespace PaymentActors.Domain.Windows;

/// <summary>
/// Mergeable quantile sketch over non-negative <see cref="long"/> amounts (minor units), in the style of
/// DDSketch: logarithmically sized buckets, plus an exact bucket for zero.
/// </summary>
/// <remarks>
/// <para><b>Guarantee.</b> For a sketch built with relative accuracy α (default 1%), <see cref="Quantile"/>(q)
/// returns a <see cref="long"/> r with <c>|r − x| &lt;= α·x</c>, where x is the exact q-quantile of the added
/// values defined as the element at 0-based rank <c>floor(q·(n − 1))</c> in sorted order. Zero is exact.</para>
/// <para><b>How.</b> Internally the buckets use accuracy α/2: bucket i holds values in <c>(γ^(i−1), γ^i]</c> with
/// <c>γ = (1 + α/2)/(1 − α/2)</c>, and its representative <c>2γ^i/(γ+1)</c> is within α/2 of every value in it. That
/// representative is rounded to the nearest integer and clamped to the observed [min, max]; the lowest and
/// highest ranks return the exact min and max. Values below
/// 1/α have an error under 0.5 before rounding, so they come back exact; from 1/α up, the rounding adds at
/// most 0.5 &lt;= α·x/2. Together that keeps the returned integer within α·x. Doubles are used only inside
/// this estimate; amounts and counts are always integers.</para>
/// <para><b>Merging.</b> <see cref="MergeFrom"/> adds bucket counts, so merging sketches of A and B gives exactly
/// the sketch of A ∪ B (same <see cref="ToState"/>), in any order. Sketches must share the accuracy.</para>
/// <para><b>Size.</b> A dense array spans the used bucket range: about <c>ln(max/min)/α</c> buckets, e.g. ~1,400 for
/// amounts from 1 to 10^6 at 1%.</para>
/// </remarks>
public sealed class AmountSketch
{
    /// <summary>The default relative accuracy, 1%.</summary>
    public const double DefaultRelativeAccuracy = 0.01;

    // Most window keys (a merchant in an hour) see a handful of amounts: start small, double as the range grows.
    private const int InitialBuckets = 4;

    private readonly double _accuracy;
    private readonly double _lnGamma;
    private readonly double _invLnGamma;
    private readonly double _representativeFactor;

    private long[] _buckets = [];
    private int _offset;              // bucket index of _buckets[0]
    private int _lowIndex = int.MaxValue;
    private int _highIndex = int.MinValue;
    private long _zeroCount;
    private long _count;
    private long _min;
    private long _max;

    /// <summary>Creates an empty sketch with relative accuracy <paramref name="relativeAccuracy"/> in (0, 0.5).</summary>
    public AmountSketch(double relativeAccuracy = DefaultRelativeAccuracy)
    {
        if (!(relativeAccuracy > 0 && relativeAccuracy < 0.5))
            throw new ArgumentOutOfRangeException(nameof(relativeAccuracy), relativeAccuracy, "relative accuracy must be in (0, 0.5)");
        _accuracy = relativeAccuracy;
        double a = relativeAccuracy / 2;
        double gamma = (1 + a) / (1 - a);
        _lnGamma = Math.Log(gamma);
        _invLnGamma = 1 / _lnGamma;
        _representativeFactor = 2 / (gamma + 1);
    }

    /// <summary>The documented relative accuracy α.</summary>
    public double RelativeAccuracy => _accuracy;

    /// <summary>Number of values added.</summary>
    public long Count => _count;

    /// <summary>Smallest value added (0 when empty).</summary>
    public long Min => _min;

    /// <summary>Largest value added (0 when empty).</summary>
    public long Max => _max;

    /// <summary>True when no value was added.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>Adds one amount (&gt;= 0).</summary>
    public void Add(long value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "amounts in the sketch must be >= 0");
        Add(value, value == 0 ? 0 : IndexOf(value));
    }

    /// <summary>
    /// The bucket <paramref name="value"/> (&gt; 0) falls in: computed once per amount by a caller that adds the same
    /// amount to many sketches of this accuracy (<see cref="Add(long, int)"/>), since the logarithm is the costly part.
    /// </summary>
    public int BucketOf(long value)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(nameof(value), value, "only amounts > 0 have a bucket");
        return IndexOf(value);
    }

    /// <summary>Adds <paramref name="value"/> (&gt;= 0) whose <see cref="BucketOf"/> (in a sketch of the same accuracy) is <paramref name="bucket"/>; zero ignores the bucket.</summary>
    public void Add(long value, int bucket)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "amounts in the sketch must be >= 0");
        if (_count == 0)
        {
            _min = value;
            _max = value;
        }
        else
        {
            if (value < _min) _min = value;
            if (value > _max) _max = value;
        }

        _count++;
        if (value == 0)
        {
            _zeroCount++;
            return;
        }

        EnsureRange(bucket, bucket);
        _buckets[bucket - _offset]++;
    }

    /// <summary>Adds every value of <paramref name="other"/> to this sketch (bucket-wise); <paramref name="other"/> is unchanged.</summary>
    public void MergeFrom(AmountSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._accuracy != _accuracy) throw new ArgumentException($"cannot merge sketches of accuracy {other._accuracy} into {_accuracy}", nameof(other));
        if (other._count == 0) return;
        if (_count == 0)
        {
            _min = other._min;
            _max = other._max;
        }
        else
        {
            _min = Math.Min(_min, other._min);
            _max = Math.Max(_max, other._max);
        }

        _count += other._count;
        _zeroCount += other._zeroCount;
        if (other._lowIndex > other._highIndex) return;
        EnsureRange(other._lowIndex, other._highIndex);
        for (int i = other._lowIndex; i <= other._highIndex; i++)
            _buckets[i - _offset] += other._buckets[i - other._offset];
    }

    /// <summary>A new sketch holding the values of both arguments.</summary>
    public static AmountSketch Merge(AmountSketch a, AmountSketch b)
    {
        var result = a.Clone();
        result.MergeFrom(b);
        return result;
    }

    /// <summary>An independent copy.</summary>
    public AmountSketch Clone()
    {
        var copy = new AmountSketch(_accuracy);
        copy.MergeFrom(this);
        return copy;
    }

    /// <summary>The estimated q-quantile (see the class remarks for the rank definition and error bound).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="q"/> is not in [0, 1].</exception>
    /// <exception cref="InvalidOperationException">The sketch is empty.</exception>
    public long Quantile(double q)
    {
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "quantile must be in [0, 1]");
        if (_count == 0) throw new InvalidOperationException("quantile of an empty sketch");
        long rank = (long)Math.Floor(q * (_count - 1));
        if (rank == 0) return _min;            // the extreme ranks are tracked exactly
        if (rank >= _count - 1) return _max;
        if (rank < _zeroCount) return 0;
        long seen = _zeroCount;
        for (int i = _lowIndex; i <= _highIndex; i++)
        {
            seen += _buckets[i - _offset];
            if (seen > rank) return Representative(i);
        }

        return _max; // unreachable when counts are consistent
    }

    /// <summary>Canonical serializable state: equal contents give equal states (the bucket array is trimmed to its non-zero range).</summary>
    public AmountSketchState ToState()
    {
        long[] buckets = _lowIndex > _highIndex ? [] : _buckets.AsSpan(_lowIndex - _offset, _highIndex - _lowIndex + 1).ToArray();
        return new AmountSketchState(_accuracy, _zeroCount, _min, _max, _lowIndex > _highIndex ? 0 : _lowIndex, buckets);
    }

    /// <summary>
    /// The <see cref="ToState"/> of all of <paramref name="sketches"/> merged, built straight into one array of the
    /// merged range: no merged sketch is made (a window of several panes is read once, when it fires).
    /// </summary>
    public static AmountSketchState MergedState(IReadOnlyList<AmountSketch> sketches)
    {
        ArgumentNullException.ThrowIfNull(sketches);
        if (sketches.Count == 0) throw new ArgumentException("nothing to merge", nameof(sketches));
        double accuracy = sketches[0]._accuracy;
        long zeroCount = 0, count = 0, min = 0, max = 0;
        int low = int.MaxValue, high = int.MinValue;
        foreach (var sketch in sketches)
        {
            if (sketch._accuracy != accuracy) throw new ArgumentException($"cannot merge sketches of accuracy {sketch._accuracy} and {accuracy}", nameof(sketches));
            if (sketch._count == 0) continue;
            min = count == 0 ? sketch._min : Math.Min(min, sketch._min);
            max = count == 0 ? sketch._max : Math.Max(max, sketch._max);
            count += sketch._count;
            zeroCount += sketch._zeroCount;
            if (sketch._lowIndex <= sketch._highIndex)
            {
                low = Math.Min(low, sketch._lowIndex);
                high = Math.Max(high, sketch._highIndex);
            }
        }

        if (low > high) return new AmountSketchState(accuracy, zeroCount, min, max, 0, []);
        var buckets = new long[high - low + 1];
        foreach (var sketch in sketches)
        {
            for (int i = sketch._lowIndex; i <= sketch._highIndex; i++) buckets[i - low] += sketch._buckets[i - sketch._offset];
        }

        return new AmountSketchState(accuracy, zeroCount, min, max, low, buckets);
    }

    /// <summary>Rebuilds a sketch from <see cref="ToState"/> output.</summary>
    /// <exception cref="ArgumentException">The state is inconsistent.</exception>
    public static AmountSketch FromState(AmountSketchState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.BucketCounts);
        var sketch = new AmountSketch(state.RelativeAccuracy);
        if (state.ZeroCount < 0) throw new ArgumentException("zero count must be >= 0", nameof(state));
        long count = state.ZeroCount;
        int low = int.MaxValue, high = int.MinValue;
        for (int i = 0; i < state.BucketCounts.Length; i++)
        {
            long c = state.BucketCounts[i];
            if (c < 0) throw new ArgumentException("bucket counts must be >= 0", nameof(state));
            if (c == 0) continue;
            count = checked(count + c);
            int index = checked(state.FirstIndex + i);
            if (index < low) low = index;
            high = index;
        }

        if (count > 0 && (state.Min < 0 || state.Min > state.Max)) throw new ArgumentException("min/max inconsistent", nameof(state));
        if (low <= high)
        {
            sketch.EnsureRange(low, high);
            for (int i = low; i <= high; i++) sketch._buckets[i - sketch._offset] = state.BucketCounts[i - state.FirstIndex];
        }

        sketch._zeroCount = state.ZeroCount;
        sketch._count = count;
        sketch._min = count > 0 ? state.Min : 0;
        sketch._max = count > 0 ? state.Max : 0;
        return sketch;
    }

    private int IndexOf(long value) => (int)Math.Ceiling(Math.Log(value) * _invLnGamma);

    private long Representative(int index)
    {
        double estimate = Math.Exp(index * _lnGamma) * _representativeFactor;
        if (estimate <= _min) return _min;
        if (estimate >= _max) return _max;
        return (long)Math.Round(estimate, MidpointRounding.AwayFromZero);
    }

    private void EnsureRange(int low, int high)
    {
        if (_lowIndex > _highIndex)
        {
            // first bucket: centre the range in the array, leaving room to grow both ways
            int needed = high - low + 1;
            if (_buckets.Length < needed) _buckets = new long[Math.Max(InitialBuckets, needed + needed / 2)];
            _offset = low - (_buckets.Length - needed) / 2;
            _lowIndex = low;
            _highIndex = high;
            return;
        }

        int newLow = Math.Min(low, _lowIndex);
        int newHigh = Math.Max(high, _highIndex);
        if (newLow < _offset || newHigh >= _offset + _buckets.Length)
        {
            int needed = newHigh - newLow + 1;
            int size = Math.Max(needed + needed / 2, _buckets.Length * 2);
            var grown = new long[size];
            int newOffset = newLow - (size - needed) / 2;
            Array.Copy(_buckets, _lowIndex - _offset, grown, _lowIndex - newOffset, _highIndex - _lowIndex + 1);
            _buckets = grown;
            _offset = newOffset;
        }

        _lowIndex = newLow;
        _highIndex = newHigh;
    }
}

/// <summary>Serializable state of an <see cref="AmountSketch"/>.</summary>
/// <param name="RelativeAccuracy">The sketch's documented accuracy α.</param>
/// <param name="ZeroCount">Number of zeros.</param>
/// <param name="Min">Smallest value (0 when empty).</param>
/// <param name="Max">Largest value (0 when empty).</param>
/// <param name="FirstIndex">Bucket index of <paramref name="BucketCounts"/>[0].</param>
/// <param name="BucketCounts">Counts of consecutive buckets, trimmed to the first and last non-empty one.</param>
public sealed record AmountSketchState(double RelativeAccuracy, long ZeroCount, long Min, long Max, int FirstIndex, long[] BucketCounts);
