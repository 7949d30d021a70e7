using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Tests.Windows;

public sealed class AmountSketchTests
{
    private static readonly double[] Qs = Enumerable.Range(0, 101).Select(i => i / 100.0).Concat([0.001, 0.999, 0.9999, 0.123456]).ToArray();

    private static long Exact(long[] sorted, double q) => sorted[(long)Math.Floor(q * (sorted.Length - 1))];

    private static void AssertWithinBound(AmountSketch sketch, long[] values, double accuracy)
    {
        var sorted = (long[])values.Clone();
        Array.Sort(sorted);
        foreach (var q in Qs)
        {
            long exact = Exact(sorted, q);
            long estimate = sketch.Quantile(q);
            decimal error = Math.Abs((decimal)estimate - exact);
            Assert.True(
                error <= (decimal)accuracy * exact,
                $"q={q}: estimate {estimate} vs exact {exact}, error {error} > {accuracy} * {exact}");
        }
    }

    private static long[] Generate(string distribution, int n, int seed)
    {
        var rng = new Random(seed);
        var values = new long[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = distribution switch
            {
                "uniform" => rng.NextInt64(1, 1_000_000),
                "logUniform" => (long)Math.Exp(rng.NextDouble() * Math.Log(1e15)),
                "small" => rng.Next(0, 300),
                "zerosAndHuge" => rng.Next(3) == 0 ? 0 : long.MaxValue - rng.NextInt64(0, 1_000_000_000),
                "boundaries" => rng.Next(1, 20_000),
                _ => throw new ArgumentOutOfRangeException(nameof(distribution)),
            };
        }

        return values;
    }

    [Theory]
    [InlineData("uniform", 0.01)]
    [InlineData("logUniform", 0.01)]
    [InlineData("small", 0.01)]
    [InlineData("zerosAndHuge", 0.01)]
    [InlineData("boundaries", 0.01)]
    [InlineData("uniform", 0.05)]
    [InlineData("logUniform", 0.001)]
    [InlineData("boundaries", 0.002)]
    public void Quantiles_are_within_the_relative_error_bound(string distribution, double accuracy)
    {
        for (int seed = 1; seed <= 5; seed++)
        {
            var values = Generate(distribution, 20_000, seed);
            var sketch = new AmountSketch(accuracy);
            foreach (var v in values) sketch.Add(v);
            Assert.Equal(values.Length, sketch.Count);
            Assert.Equal(values.Min(), sketch.Min);
            Assert.Equal(values.Max(), sketch.Max);
            AssertWithinBound(sketch, values, accuracy);
        }
    }

    [Fact]
    public void Every_single_value_up_to_100000_comes_back_within_the_bound()
    {
        // One-element sketches: Quantile returns the clamped value, so check two-element sketches instead,
        // where the estimate for the lower element is not clamped to it (it is the min, though) — use a
        // far larger companion so the bucket representative is what comes back for q = 0.5 .. 1 ranks.
        for (long v = 1; v <= 100_000; v++)
        {
            var sketch = new AmountSketch();
            sketch.Add(0);
            sketch.Add(v);
            sketch.Add(long.MaxValue);
            long estimate = sketch.Quantile(0.5); // rank floor(0.5*2) = 1 -> the value v
            Assert.True(Math.Abs(estimate - v) <= 0.01m * v, $"value {v}: estimate {estimate}");
            if (v < 100) Assert.Equal(v, estimate); // below 1/accuracy values are exact
        }
    }

    [Fact]
    public void Zero_and_single_values_are_exact()
    {
        var sketch = new AmountSketch();
        sketch.Add(0);
        Assert.Equal(0, sketch.Quantile(0));
        Assert.Equal(0, sketch.Quantile(1));
        sketch.Add(123_456_789);
        Assert.Equal(0, sketch.Quantile(0));
        Assert.Equal(123_456_789, sketch.Quantile(1)); // clamped to the observed max
    }

    [Fact]
    public void Invalid_use_throws()
    {
        var sketch = new AmountSketch();
        Assert.Throws<InvalidOperationException>(() => sketch.Quantile(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Add(-1));
        sketch.Add(5);
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Quantile(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Quantile(1.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Quantile(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AmountSketch(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AmountSketch(0.5));
        Assert.Throws<ArgumentException>(() => sketch.MergeFrom(new AmountSketch(0.02)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_merged_state_equals_the_state_of_the_stats_merged_one_by_one(int seed)
    {
        var rng = new Random(seed);
        var parts = new List<AmountStats> { new(), new(), new(), new() };
        for (var i = 0; i < 500; i++)
        {
            parts[rng.Next(3)].Add(rng.Next(5) == 0 ? 0 : (long)Math.Exp(rng.NextDouble() * 18)); // the fourth stays empty
        }

        parts.Add(new AmountStats());
        parts[^1].Add(0); // only a zero: no bucket at all
        var merged = new AmountStats();
        foreach (var part in parts) merged.MergeFrom(part);

        var expected = merged.ToState();
        var actual = AmountStats.MergedState(parts);
        Assert.Equal((expected.Count, expected.Sum, expected.Min, expected.Max), (actual.Count, actual.Sum, actual.Min, actual.Max));
        AssertSameState(expected.Sketch, actual.Sketch);
        AssertSameState(new AmountStats().ToState().Sketch, AmountStats.MergedState([new AmountStats(), new AmountStats()]).Sketch);
        Assert.Throws<ArgumentException>(() => AmountSketch.MergedState([new AmountSketch(), new AmountSketch(0.02)]));
    }

    private static void AssertSameState(AmountSketchState expected, AmountSketchState actual)
    {
        Assert.Equal(expected.RelativeAccuracy, actual.RelativeAccuracy);
        Assert.Equal(expected.ZeroCount, actual.ZeroCount);
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
        Assert.Equal(expected.FirstIndex, actual.FirstIndex);
        Assert.Equal(expected.BucketCounts, actual.BucketCounts);
    }

    private static AmountSketch SketchOf(IEnumerable<long> values)
    {
        var s = new AmountSketch();
        foreach (var v in values) s.Add(v);
        return s;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Merge_equals_the_sketch_of_the_union(int seed)
    {
        var rng = new Random(seed);
        // Disjoint ranges force the merge to grow the bucket array on both sides.
        var a = Enumerable.Range(0, 5000).Select(_ => rng.NextInt64(1_000, 50_000)).Concat([0L, 0L]).ToArray();
        var b = Enumerable.Range(0, 7000).Select(_ => rng.Next(2) == 0 ? rng.NextInt64(1, 100) : rng.NextInt64(1_000_000, 1_000_000_000_000)).ToArray();
        var union = SketchOf(a.Concat(b)).ToState();

        AssertSameState(union, AmountSketch.Merge(SketchOf(a), SketchOf(b)).ToState());
        AssertSameState(union, AmountSketch.Merge(SketchOf(b), SketchOf(a)).ToState());
        var intoEmpty = new AmountSketch();
        intoEmpty.MergeFrom(SketchOf(a));
        intoEmpty.MergeFrom(new AmountSketch());
        intoEmpty.MergeFrom(SketchOf(b));
        AssertSameState(union, intoEmpty.ToState());
        var merged = AmountSketch.Merge(SketchOf(a), SketchOf(b));
        Assert.Equal(a.Length + b.Length, merged.Count);
        AssertWithinBound(merged, a.Concat(b).ToArray(), 0.01);
    }

    [Fact]
    public void Merge_leaves_its_argument_unchanged_and_clone_is_independent()
    {
        var a = SketchOf([1, 2, 3]);
        var b = SketchOf([1000, 2000]);
        var before = b.ToState();
        a.MergeFrom(b);
        AssertSameState(before, b.ToState());
        var clone = a.Clone();
        clone.Add(5_000_000);
        Assert.Equal(5, a.Count);
        Assert.Equal(6, clone.Count);
    }

    [Fact]
    public void State_round_trips()
    {
        var values = Generate("logUniform", 3000, 42).Concat([0L, 0L, 0L]).ToArray();
        var sketch = SketchOf(values);
        var restored = AmountSketch.FromState(sketch.ToState());
        AssertSameState(sketch.ToState(), restored.ToState());
        foreach (var q in Qs) Assert.Equal(sketch.Quantile(q), restored.Quantile(q));
        restored.Add(7);
        sketch.Add(7);
        AssertSameState(sketch.ToState(), restored.ToState());

        var empty = AmountSketch.FromState(new AmountSketch().ToState());
        Assert.True(empty.IsEmpty);
        Assert.Throws<ArgumentException>(() => AmountSketch.FromState(new AmountSketchState(0.01, 0, 0, 0, 0, [1, -1])));
    }

    [Property(MaxTest = 200)]
    public Property Any_non_negative_values_meet_the_bound() =>
        Prop.ForAll(
            Gen.ArrayOf(Gen.Choose(0, int.MaxValue).Select(i => (long)i * (i % 7 == 0 ? 1_000_003L : 1L))).Where(a => a.Length > 0).ToArbitrary(),
            values =>
            {
                AssertWithinBound(SketchOf(values), values, 0.01);
                return true;
            });
}

public sealed class AmountStatsTests
{
    [Fact]
    public void Tracks_count_sum_min_max_mean_and_quantiles()
    {
        var stats = new AmountStats();
        Assert.Equal(0, stats.Count);
        Assert.Equal(0, stats.Mean);
        foreach (var v in new long[] { 500, 100, 0, 1_000 }) stats.Add(v);
        Assert.Equal(4, stats.Count);
        Assert.Equal(1_600, stats.Sum);
        Assert.Equal(0, stats.Min);
        Assert.Equal(1_000, stats.Max);
        Assert.Equal(400.0, stats.Mean);
        Assert.Equal(0, stats.Quantile(0));
        Assert.Equal(100, stats.Quantile(1 / 3.0));   // rank 1 -> 100 (exact below 1/accuracy)
        Assert.InRange(stats.Quantile(2 / 3.0), 495, 505); // rank 2 -> 500
        Assert.Equal(1_000, stats.Quantile(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => stats.Add(-1));
    }

    [Fact]
    public void Sum_overflow_throws_and_leaves_the_stats_unchanged()
    {
        var stats = new AmountStats();
        stats.Add(long.MaxValue);
        Assert.Throws<OverflowException>(() => stats.Add(1));
        Assert.Equal(1, stats.Count);
        Assert.Equal(1, stats.Sketch.Count);
        Assert.Equal(long.MaxValue, stats.Sum);
    }

    [Fact]
    public void Merge_clone_and_state_round_trip()
    {
        var a = new AmountStats();
        var b = new AmountStats();
        foreach (var v in new long[] { 10, 20, 30 }) a.Add(v);
        foreach (var v in new long[] { 5, 1_000_000 }) b.Add(v);
        var copy = a.Clone();
        a.MergeFrom(b);
        Assert.Equal(5, a.Count);
        Assert.Equal(1_000_065, a.Sum);
        Assert.Equal(5, a.Min);
        Assert.Equal(1_000_000, a.Max);
        Assert.Equal(3, copy.Count); // the clone did not see the merge
        Assert.Equal(2, b.Count);

        var restored = AmountStats.FromState(a.ToState());
        Assert.Equal(a.ToState() with { Sketch = null! }, restored.ToState() with { Sketch = null! });
        Assert.Equal(a.Quantile(0.5), restored.Quantile(0.5));
    }

    [Fact]
    public void Aggregator_drives_the_window_operator_and_hands_out_copies()
    {
        var op = new WindowOperator<string, long, AmountStats>(
            new WindowOperatorOptions(WindowSpec.Tumbling(1000), AllowedLateness: 1000),
            new AmountStatsAggregator());
        op.OnEvent("acct", 250, 10);
        op.OnEvent("acct", 750, 20);
        var first = Assert.Single(op.OnWatermark(999));
        Assert.Equal((2L, 1000L, 250L, 750L), (first.Aggregate.Count, first.Aggregate.Sum, first.Aggregate.Min, first.Aggregate.Max));

        // A late event updates the window and re-fires it; the earlier firing's aggregate must not change.
        var late = op.OnEvent("acct", 5000, 30);
        Assert.Equal(EventOutcome.Assigned, late.Outcome);
        var second = Assert.Single(late.Firings);
        Assert.True(second.IsLateFiring);
        Assert.Equal(3, second.Aggregate.Count);
        Assert.Equal(5000, second.Aggregate.Max);
        Assert.Equal(2, first.Aggregate.Count);

        var snapshot = op.Snapshot();
        op.OnEvent("acct", 1, 40);
        Assert.Equal(3, snapshot.Windows[0].Aggregate.Count); // snapshots are copies too
    }
}
