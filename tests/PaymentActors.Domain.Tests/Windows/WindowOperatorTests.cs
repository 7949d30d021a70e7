using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Tests.Windows;

public sealed class WindowOperatorTests
{
    private static WindowOperator<string, long, SumCount> Op(WindowSpec spec, long lateness = 0, WindowTrigger trigger = WindowTrigger.Accumulating, bool side = false) =>
        new(new WindowOperatorOptions(spec, lateness, trigger, side), SumCountAggregator.Instance);

    private static WindowFiring<string, SumCount> F(string key, long start, long end, long sum, long count, bool late = false) =>
        new(key, start, end, new SumCount(sum, count), late);

    [Theory]
    [InlineData(0, 1000, 0)]
    [InlineData(999, 1000, 0)]
    [InlineData(1000, 1000, 1000)]
    [InlineData(-1, 1000, -1000)]
    [InlineData(-1000, 1000, -1000)]
    [InlineData(-1001, 1000, -2000)]
    [InlineData(7, 3, 6)]
    [InlineData(-7, 3, -9)]
    [InlineData(long.MaxValue, 10, long.MaxValue - 7)]
    public void FloorToMultiple_is_floor_division(long ts, long step, long expected) =>
        Assert.Equal(expected, WindowSpec.FloorToMultiple(ts, step));

    [Fact]
    public void Spec_and_options_validation()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowSpec.Tumbling(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowSpec.Sliding(10, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowSpec.Sliding(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowSpec.Session(-1));
        Assert.Throws<ArgumentException>(() => new WindowSpec(WindowKind.Tumbling, 10, 5).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => Op(WindowSpec.Tumbling(10), lateness: -1));
        Assert.Equal("sliding:10/5", WindowSpec.Sliding(10, 5).ToString());
    }

    [Fact]
    public void Watermark_fires_at_end_minus_one_and_may_repeat_but_not_regress()
    {
        var op = Op(WindowSpec.Tumbling(10));
        op.OnEvent("k", 1, 5);
        Assert.Empty(op.OnWatermark(8));
        Assert.Empty(op.OnWatermark(8));
        Assert.Equal([F("k", 0, 10, 1, 1)], op.OnWatermark(9));
        Assert.Empty(op.OnWatermark(9));
        var ex = Assert.Throws<WatermarkRegressionException>(() => op.OnWatermark(8));
        Assert.Equal(9, ex.Current);
        Assert.Equal(8, ex.Requested);
        Assert.Contains("backwards", ex.Message);
        Assert.Equal(9, op.CurrentWatermark);
    }

    [Fact]
    public void Event_behind_the_watermark_in_an_unfired_window_is_added_without_firing()
    {
        var op = Op(WindowSpec.Tumbling(3000));
        op.OnWatermark(1000);
        var r = op.OnEvent("k", 7, 500); // ts <= W, but [0,3000) fires only at 2999
        Assert.Equal(EventOutcome.Assigned, r.Outcome);
        Assert.Empty(r.Firings);
        Assert.Equal([F("k", 0, 3000, 7, 1)], op.OnWatermark(2999));
    }

    [Fact]
    public void Lateness_keeps_state_until_end_minus_one_plus_lateness()
    {
        var op = Op(WindowSpec.Tumbling(10), lateness: 5);
        op.OnEvent("k", 1, 0);
        op.OnWatermark(9);
        Assert.Equal(1, op.WindowCount);
        Assert.Equal([F("k", 0, 10, 2, 2, late: true)], op.OnEvent("k", 1, 3).Firings);
        op.OnWatermark(13);
        Assert.Equal(1, op.WindowCount);
        op.OnWatermark(14);
        Assert.Equal(0, op.WindowCount);
        Assert.Equal(EventOutcome.LateDropped, op.OnEvent("k", 1, 3).Outcome);
        Assert.Equal(1, op.LateDroppedCount);
    }

    [Fact]
    public void Late_events_are_side_output_when_configured()
    {
        var op = Op(WindowSpec.Tumbling(10), side: true);
        op.OnWatermark(100);
        Assert.Equal(EventOutcome.LateSideOutput, op.OnEvent("k", 1, 50).Outcome);
        Assert.Equal(1, op.LateSideOutputCount);
        Assert.Equal(0, op.LateDroppedCount);
        Assert.Equal(0, op.WindowCount);
    }

    [Fact]
    public void Sliding_late_firings_come_in_window_end_order()
    {
        var op = Op(WindowSpec.Sliding(30, 10), lateness: 100);
        op.OnEvent("k", 1, 25);
        op.OnWatermark(60); // all three windows of ts 25 have fired
        var r = op.OnEvent("k", 2, 25);
        Assert.Equal([F("k", 0, 30, 3, 2, true), F("k", 10, 40, 3, 2, true), F("k", 20, 50, 3, 2, true)], r.Firings);
    }

    [Fact]
    public void Session_extends_when_an_event_reaches_past_its_end()
    {
        var op = Op(WindowSpec.Session(1000));
        op.OnEvent("u", 1, 0);
        op.OnEvent("u", 2, 2400); // [2400,3400) does not touch [0,1000)
        op.OnEvent("u", 4, 1000); // [1000,2000) touches [0,1000) -> [0,2000); 2000 < 2400 so no bridge
        Assert.Equal(2, op.WindowCount);
        op.OnEvent("u", 8, 3000); // extends [2400,3400) to [2400,4000)
        Assert.Equal([F("u", 0, 2000, 5, 2)], op.OnWatermark(3399));
        Assert.Equal([F("u", 2400, 4000, 10, 2)], op.OnWatermark(3999));
        Assert.Equal(0, op.WindowCount);
    }

    [Fact]
    public void Session_bridge_merges_three_windows_into_one()
    {
        var op = Op(WindowSpec.Session(10));
        op.OnEvent("u", 1, 0);   // [0,10)
        op.OnEvent("u", 2, 20);  // [20,30)
        op.OnEvent("u", 4, 10);  // [10,20) touches both
        Assert.Equal(1, op.WindowCount);
        var w = Assert.Single(op.Snapshot().Windows);
        Assert.Equal(("u", 0L, 30L, new SumCount(7, 3)), (w.Key, w.Start, w.End, w.Aggregate));
    }

    [Fact]
    public void Custom_key_order_breaks_ties()
    {
        var op = new WindowOperator<int, long, SumCount>(
            new WindowOperatorOptions(WindowSpec.Tumbling(10)),
            SumCountAggregator.Instance,
            Comparer<int>.Create((a, b) => b.CompareTo(a)));
        op.OnEvent(1, 1, 0);
        op.OnEvent(3, 1, 0);
        op.OnEvent(2, 1, 0);
        Assert.Equal([3, 2, 1], op.OnWatermark(9).Select(f => f.Key));
    }

    [Fact]
    public void Timestamps_whose_windows_overflow_are_rejected()
    {
        var op = Op(WindowSpec.Tumbling(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => op.OnEvent("k", 1, long.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => op.OnEvent("k", 1, long.MinValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => Op(WindowSpec.Session(10)).OnEvent("k", 1, long.MaxValue - 5));
        Assert.Equal(EventOutcome.Assigned, op.OnEvent("k", 1, long.MaxValue - 10).Outcome);
    }

    [Fact]
    public void Snapshot_is_deterministic_and_survives_json()
    {
        var op = Op(WindowSpec.Sliding(20, 10), lateness: 15, trigger: WindowTrigger.Purging);
        op.OnEvent("b", 1, 5);
        op.OnEvent("a", 2, 15);
        op.OnWatermark(19); // fires and purges b [-10,10), a and b [0,20); all still within lateness
        var snap = op.Snapshot();
        Assert.Equal(
            [("b", -10L, 10L, 0L), ("a", 0L, 20L, 0L), ("b", 0L, 20L, 0L), ("a", 10L, 30L, 1L)],
            snap.Windows.Select(w => (w.Key, w.Start, w.End, w.Aggregate.Count)));

        string json = JsonSerializer.Serialize(snap);
        var back = JsonSerializer.Deserialize<WindowOperatorSnapshot<string, SumCount>>(json)!;
        var restored = WindowOperator<string, long, SumCount>.Restore(back, SumCountAggregator.Instance);
        Assert.Equal(json, JsonSerializer.Serialize(restored.Snapshot()));

        var late = restored.OnEvent("a", 4, 12); // [0,20) fired+purged, within lateness; [10,30) not fired
        Assert.Equal([F("a", 0, 20, 4, 1, true)], late.Firings);
        Assert.Equal([F("a", 10, 30, 6, 2)], restored.OnWatermark(29));
    }

    [Fact]
    public void Restore_rejects_inconsistent_snapshots()
    {
        var options = new WindowOperatorOptions(WindowSpec.Tumbling(10));
        WindowOperatorSnapshot<string, SumCount> Snap(long wm, params WindowStateSnapshot<string, SumCount>[] w) => new(options, wm, 0, 0, w);
        WindowStateSnapshot<string, SumCount> W(long s, long e) => new("k", s, e, new SumCount(1, 1));

        var agg = SumCountAggregator.Instance;
        Assert.Throws<ArgumentException>(() => WindowOperator<string, long, SumCount>.Restore(Snap(100, W(0, 10)), agg));  // expired
        Assert.Throws<ArgumentException>(() => WindowOperator<string, long, SumCount>.Restore(Snap(0, W(5, 15)), agg));   // misaligned
        Assert.Throws<ArgumentException>(() => WindowOperator<string, long, SumCount>.Restore(Snap(0, W(0, 20)), agg));   // wrong size
        Assert.Throws<ArgumentException>(() => WindowOperator<string, long, SumCount>.Restore(Snap(0, W(0, 10), W(0, 10)), agg)); // duplicate
        Assert.Throws<ArgumentException>(() => WindowOperator<string, long, SumCount>.Restore(Snap(0) with { LateDroppedCount = -1 }, agg));

        var sessions = new WindowOperatorOptions(WindowSpec.Session(10));
        Assert.Throws<ArgumentException>(() => WindowOperator<string, long, SumCount>.Restore(
            new WindowOperatorSnapshot<string, SumCount>(sessions, 0, 0, 0, [W(0, 10), W(10, 20)]), agg)); // touching sessions
        var ok = WindowOperator<string, long, SumCount>.Restore(
            new WindowOperatorSnapshot<string, SumCount>(sessions, 0, 0, 0, [W(0, 10), W(11, 21)]), agg);
        Assert.Equal(2, ok.WindowCount);
    }

    // ------------------------------------------------------------ properties

    public sealed record AnyOrderScenario(int Kind, long Size, long Slide, (int Key, long Value, long Ts)[] Events, bool[] RestoreAfter)
    {
        public override string ToString() =>
            $"kind={Kind} size={Size} slide={Slide} events=[{string.Join(", ", Events.Select(e => $"k{e.Key}:{e.Value}@{e.Ts}"))}] restore=[{string.Join("", RestoreAfter.Select(b => b ? '1' : '0'))}]";
    }

    private static readonly string[] Keys = ["x", "y"];

    private static Gen<AnyOrderScenario> AnyOrderGen() =>
        from kind in Gen.Choose(0, 2)
        from size in Gen.Choose(1, 30)
        from slide in kind == 1 ? Gen.Choose(1, size) : Gen.Constant(size)
        from events in Gen.ArrayOf(
            from k in Gen.Choose(0, 1)
            from v in Gen.Choose(1, 100)
            from ts in Gen.Choose(-200, 200)
            select (k, (long)v, (long)ts))
        from restore in Gen.ArrayOf(Gen.Elements(true, false, false))
        select new AnyOrderScenario(kind, size, slide, events, restore);

    /// <summary>Brute-force windows: aligned windows by enumeration, sessions by sorting each key's
    /// timestamps and starting a new session when ts &gt; current end (touching joins).</summary>
    private static List<WindowFiring<string, SumCount>> Reference(AnyOrderScenario s)
    {
        var acc = new Dictionary<(string Key, long Start, long End), SumCount>();
        void Add((string, long, long) w, long v)
        {
            acc.TryGetValue(w, out var sc);
            acc[w] = new SumCount(sc.Sum + v, sc.Count + 1);
        }

        if (s.Kind == 2)
        {
            foreach (var group in s.Events.GroupBy(e => e.Key))
            {
                var sorted = group.OrderBy(e => e.Ts).ToList();
                int i = 0;
                while (i < sorted.Count)
                {
                    long start = sorted[i].Ts, end = sorted[i].Ts + s.Size;
                    int j = i;
                    while (j + 1 < sorted.Count && sorted[j + 1].Ts <= end) end = Math.Max(end, sorted[++j].Ts + s.Size);
                    for (int m = i; m <= j; m++) Add((Keys[group.Key], start, end), sorted[m].Value);
                    i = j + 1;
                }
            }
        }
        else
        {
            foreach (var (k, v, ts) in s.Events)
                for (long start = -1000; start <= 1000; start++)
                    if (start % s.Slide == 0 && start <= ts && ts < start + s.Size) Add((Keys[k], start, start + s.Size), v);
        }

        return acc.Select(kv => new WindowFiring<string, SumCount>(kv.Key.Key, kv.Key.Start, kv.Key.End, kv.Value, false))
            .OrderBy(f => f.End).ThenBy(f => f.Start).ThenBy(f => f.Key, StringComparer.Ordinal).ToList();
    }

    [Property(MaxTest = 400)]
    public Property Any_order_with_one_final_watermark_matches_the_reference_for_all_kinds() =>
        Prop.ForAll(AnyOrderGen().ToArbitrary(), s =>
        {
            var spec = s.Kind switch { 0 => WindowSpec.Tumbling(s.Size), 1 => WindowSpec.Sliding(s.Size, s.Slide), _ => WindowSpec.Session(s.Size) };
            var op = Op(spec);
            var output = new List<WindowFiring<string, SumCount>>();
            for (int i = 0; i < s.Events.Length; i++)
            {
                var e = s.Events[i];
                Assert.Equal(EventOutcome.Assigned, op.OnEvent(Keys[e.Key], e.Value, e.Ts, output));
                if (s.RestoreAfter.Length > 0 && s.RestoreAfter[i % s.RestoreAfter.Length])
                    op = WindowOperator<string, long, SumCount>.Restore(op.Snapshot(), SumCountAggregator.Instance);
            }

            Assert.Empty(output);
            op.OnWatermark(10_000, output);
            Assert.Equal(Reference(s), output);
            Assert.Equal(0, op.WindowCount);
            return true;
        });
}
