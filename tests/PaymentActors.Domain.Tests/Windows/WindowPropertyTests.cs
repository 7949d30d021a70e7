using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Tests.Windows;

/// <summary>Randomised checks of the window operator against a brute-force reference.</summary>
public sealed class WindowPropertyTests
{
    public sealed record Scenario(
        long Size,
        long Slide,
        (int Key, long Value, long Ts)[] Events,
        bool[] WatermarkAfter,
        bool[] RestoreAfter)
    {
        public override string ToString() =>
            $"size={Size} slide={Slide} events=[{string.Join(", ", Events.Select(e => $"k{e.Key}:{e.Value}@{e.Ts}"))}] " +
            $"wm=[{string.Join("", WatermarkAfter.Select(b => b ? '1' : '0'))}] restore=[{string.Join("", RestoreAfter.Select(b => b ? '1' : '0'))}]";
    }

    private static Gen<Scenario> ScenarioGen(bool sliding) =>
        from size in Gen.Choose(1, 40)
        from slide in sliding ? Gen.Choose(1, size) : Gen.Constant(size)
        from events in Gen.ArrayOf(
            from k in Gen.Choose(0, 2)
            from v in Gen.Choose(-50, 100)
            from ts in Gen.Choose(-300, 300)
            select (k, (long)v, (long)ts))
        from wm in Gen.ArrayOf(Gen.Elements(true, false))
        from restore in Gen.ArrayOf(Gen.Elements(true, false, false, false))
        select new Scenario(size, slide, events.OrderBy(e => e.Item3).ToArray(), wm, restore);

    private static readonly string[] Keys = ["a", "B", "b"];

    /// <summary>Runs events in timestamp order; after event i optionally emits watermark ts[i+1]−1 (so nothing is
    /// ever late) and optionally round-trips through a snapshot; finally a watermark past every window.</summary>
    private static List<WindowFiring<string, SumCount>> RunOperator(Scenario s, bool withRestores, out WindowOperator<string, long, SumCount> op)
    {
        var spec = s.Slide == s.Size ? WindowSpec.Tumbling(s.Size) : WindowSpec.Sliding(s.Size, s.Slide);
        op = new WindowOperator<string, long, SumCount>(new WindowOperatorOptions(spec), SumCountAggregator.Instance);
        var output = new List<WindowFiring<string, SumCount>>();
        for (int i = 0; i < s.Events.Length; i++)
        {
            var e = s.Events[i];
            int before = output.Count;
            var outcome = op.OnEvent(Keys[e.Key], e.Value, e.Ts, output);
            Assert.Equal(EventOutcome.Assigned, outcome);
            Assert.Equal(before, output.Count); // in-order input: no late firings
            if (i + 1 < s.Events.Length && s.WatermarkAfter.Length > 0 && s.WatermarkAfter[i % s.WatermarkAfter.Length])
                op.OnWatermark(s.Events[i + 1].Ts - 1, output);
            if (withRestores && s.RestoreAfter.Length > 0 && s.RestoreAfter[i % s.RestoreAfter.Length])
                op = WindowOperator<string, long, SumCount>.Restore(op.Snapshot(), SumCountAggregator.Instance);
        }

        long last = s.Events.Length == 0 ? 0 : s.Events[^1].Ts;
        op.OnWatermark(Math.Max(op.CurrentWatermark, last + s.Size), output);
        return output;
    }

    /// <summary>Brute force: every window start that is a multiple of the slide and satisfies start &lt;= ts &lt; start+size.</summary>
    private static List<WindowFiring<string, SumCount>> Reference(Scenario s)
    {
        var acc = new Dictionary<(string Key, long Start), SumCount>();
        foreach (var (k, v, ts) in s.Events)
        {
            for (long start = -10_000; start <= 10_000; start++)
            {
                if (start % s.Slide != 0 || start > ts || ts >= start + s.Size) continue;
                acc.TryGetValue((Keys[k], start), out var sc);
                acc[(Keys[k], start)] = new SumCount(sc.Sum + v, sc.Count + 1);
            }
        }

        return acc
            .Select(kv => new WindowFiring<string, SumCount>(kv.Key.Key, kv.Key.Start, kv.Key.Start + s.Size, kv.Value, false))
            .OrderBy(f => f.End).ThenBy(f => f.Start).ThenBy(f => f.Key, StringComparer.Ordinal)
            .ToList();
    }

    private static bool MatchesReference(Scenario s)
    {
        var expected = Reference(s);
        var actual = RunOperator(s, withRestores: false, out var op);
        Assert.Equal(expected, actual);
        Assert.Equal(0, op.LateDroppedCount);
        Assert.Equal(0, op.WindowCount); // everything fired and cleaned up (L = 0)
        var restored = RunOperator(s, withRestores: true, out _);
        Assert.Equal(actual, restored);
        return true;
    }

    [Property(MaxTest = 300)]
    public Property Tumbling_in_order_every_event_is_counted_in_exactly_its_window() =>
        Prop.ForAll(ScenarioGen(sliding: false).ToArbitrary(), MatchesReference);

    [Property(MaxTest = 300)]
    public Property Sliding_in_order_every_event_is_counted_in_exactly_its_windows() =>
        Prop.ForAll(ScenarioGen(sliding: true).ToArbitrary(), MatchesReference);
}
