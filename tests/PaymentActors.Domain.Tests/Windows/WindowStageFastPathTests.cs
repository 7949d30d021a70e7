using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Tests.Windows;

/// <summary>
/// The window stage's fast path (keys built once, the sketch bucket computed once per amount, windows merged from
/// panes) gives exactly what the plain operator over string keys and per-window sketch inserts gives.
/// </summary>
public sealed class WindowStageFastPathTests
{
    [Fact]
    public void A_sketch_fed_precomputed_buckets_equals_one_fed_amounts()
    {
        var random = new Random(7);
        var plain = new AmountSketch();
        var indexed = new AmountSketch();
        for (var i = 0; i < 10_000; i++)
        {
            var amount = random.Next(4) == 0 ? 0 : (long)Math.Exp(random.NextDouble() * 20);
            plain.Add(amount);
            indexed.Add(amount, amount > 0 ? indexed.BucketOf(amount) : 0);
        }

        Assert.Equal(Render(plain.ToState()), Render(indexed.ToState()));
    }

    [Fact]
    public void Bucket_of_a_non_positive_amount_is_an_error_naming_the_value()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AmountSketch().BucketOf(0));
        Assert.Equal("value", e.ParamName);
    }

    [Fact]
    public void Keys_are_built_once_and_named_as_before()
    {
        var dimensions = new WindowDimensions();
        var t = new DecidedTransaction("t1", TransactionType.Payment, 100, "EUR", "M42", 0, TransactionStatus.Approved);
        var first = new List<WindowKey>();
        var second = new List<WindowKey>();
        dimensions.KeysFor(t, first);
        dimensions.KeysFor(t with { TransactionId = "t2" }, second);

        Assert.Equal(["decision:approved/EUR", "all/EUR", "type:PAYMENT/EUR", "merchant:M42/EUR"], first.Select(k => k.Name));
        Assert.All(first.Zip(second), pair => Assert.Same(pair.First, pair.Second));

        var declined = new List<WindowKey>();
        dimensions.KeysFor(t with { Status = TransactionStatus.Declined }, declined);
        Assert.Equal(["decision:declined/EUR"], declined.Select(k => k.Name));
    }

    [Fact]
    public void Merchant_keys_past_the_cache_limit_are_rebuilt_equal()
    {
        var dimensions = new WindowDimensions();
        var keys = new List<WindowKey>();
        var t = new DecidedTransaction("t", TransactionType.Payment, 1, "USD", "M0", 0, TransactionStatus.Approved);
        dimensions.KeysFor(t, keys);
        var before = keys[^1];
        for (var i = 1; i <= WindowDimensions.MaxCachedMerchants; i++)
        {
            keys.Clear();
            dimensions.KeysFor(t with { Counterparty = $"M{i}" }, keys);
        }

        keys.Clear();
        dimensions.KeysFor(t, keys);
        Assert.NotSame(before, keys[^1]);
        Assert.Equal(before, keys[^1]);
        Assert.Equal(before.GetHashCode(), keys[^1].GetHashCode());
    }

    [Fact]
    public void The_stage_fires_what_the_plain_operator_over_string_keys_fires()
    {
        var (fast, reference, _, _) = RunSideBySide(NamedWindow.Defaults, maxDelayMs: 1_200_000);

        Assert.True(reference.Count > 1_000);
        Assert.Equal(reference, fast);
    }

    [Fact]
    public void Panes_of_other_window_sizes_fire_what_the_plain_operators_fire()
    {
        // Pane 30 min: a 2-hour tumbling window spans four panes, a 3-hour window sliding by 30 min six.
        IReadOnlyList<NamedWindow> windows = [new("two-hourly", WindowSpec.Tumbling(2 * NamedWindow.Hour)),
            new("sliding-3h", WindowSpec.Sliding(3 * NamedWindow.Hour, NamedWindow.Hour / 2))];
        var (fast, reference, fastDropped, referenceDropped) = RunSideBySide(windows, maxDelayMs: 1_200_000);

        Assert.True(reference.Count > 1_000);
        Assert.Equal(reference, fast);
        Assert.True(referenceDropped > 0);
        Assert.Equal(referenceDropped, fastDropped);
    }

    [Fact]
    public void With_a_session_window_the_stage_fires_what_the_plain_operators_fire()
    {
        IReadOnlyList<NamedWindow> windows = [new("hourly", WindowSpec.Tumbling(NamedWindow.Hour)), new("session-30m", WindowSpec.Session(30 * 60_000))];
        var (fast, reference, fastDropped, referenceDropped) = RunSideBySide(windows, maxDelayMs: 1_200_000);

        Assert.True(reference.Count > 1_000);
        Assert.Equal(reference.Order(StringComparer.Ordinal), fast.Order(StringComparer.Ordinal));
        Assert.Equal(referenceDropped, fastDropped);
    }

    [Fact]
    public void A_window_that_spans_one_pane_of_a_key_hands_out_that_panes_state()
    {
        var stage = new PartialWindowAggregator(NamedWindow.Defaults, 0);
        var output = new List<PartialWindowResult>();
        stage.Add(new DecidedTransaction("t1", TransactionType.Payment, 1_250, "EUR", "M7", 10 * NamedWindow.Hour + 5, TransactionStatus.Approved), output);
        stage.AdvanceTo(long.MaxValue - 1, output);

        var merchant = output.Where(p => p.Key == "merchant:M7/EUR").ToList();
        Assert.Equal(7, merchant.Count); // the hour and the six 6-hour windows that span it
        Assert.All(merchant, p => Assert.Same(merchant[0].Stats, p.Stats));
        Assert.Equal((1L, 1_250L), (merchant[0].Stats.Count, merchant[0].Stats.Sum));
    }

    [Fact]
    public void A_timestamp_at_the_edge_of_the_range_is_refused_naming_it_and_changes_nothing()
    {
        var stage = new PartialWindowAggregator(NamedWindow.Defaults, 0);
        var t = new DecidedTransaction("t1", TransactionType.Payment, 1, "EUR", "M7", long.MaxValue - 10, TransactionStatus.Approved);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => stage.Add(t, []));
        Assert.Equal("timestamp", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => stage.Add(t with { EventTimeMs = long.MinValue + 10 }, []));
        Assert.Empty(stage.ToState().Windows);
    }

    [Fact]
    public void Late_amounts_reach_their_fired_windows_at_the_next_watermark_and_are_dropped_as_the_plain_operator_drops_them()
    {
        // Up to 3 h of delay against 10 min of out-of-orderness: events land in fired windows (late firings with 30 min
        // of allowed lateness) and past the lateness (dropped).
        var windows = NamedWindow.Defaults.Select(w => w with { AllowedLatenessMs = 30 * 60_000 }).ToList();
        var (fast, reference, fastDropped, referenceDropped) = RunSideBySide(windows, maxDelayMs: 3 * 3_600_000);

        Assert.True(referenceDropped > 1_000, $"only {referenceDropped} dropped");
        Assert.Equal(referenceDropped, fastDropped);
        // Late events reach their fired window together at the next watermark, so one late firing may stand for several
        // of the plain operator's; each window's last (accumulated) firing is the same.
        Assert.True(fast.Count < reference.Count);
        Assert.Equal(LastFiringOfEachWindow(reference), LastFiringOfEachWindow(fast));
    }

    private static List<string> LastFiringOfEachWindow(List<string> lines) =>
        lines.GroupBy(line => line[..line.IndexOf(" c=", StringComparison.Ordinal)])
            .Select(g => g.Last())
            .Order(StringComparer.Ordinal)
            .ToList();

    private static (List<string> Fast, List<string> Reference, long FastDropped, long ReferenceDropped) RunSideBySide(
        IReadOnlyList<NamedWindow> windows, int maxDelayMs)
    {
        var random = new Random(11);
        var statuses = new[] { TransactionStatus.Approved, TransactionStatus.Flagged, TransactionStatus.Declined };
        var types = new[] { TransactionType.Payment, TransactionType.CashIn, TransactionType.CashOut, TransactionType.Transfer };
        var input = Enumerable.Range(0, 20_000).Select(i => new DecidedTransaction($"t{i}", types[random.Next(types.Length)],
            random.Next(5) == 0 ? 0 : 1 + random.Next(5_000_000), i % 5 == 0 ? "EUR" : "USD", random.Next(3) == 0 ? $"M{random.Next(300)}" : $"C{i}",
            i * 20_000L + 3 * 3_600_000L - random.Next(maxDelayMs), statuses[random.Next(statuses.Length)])).ToList();
        const long outOfOrder = 10 * 60_000;

        var stage = new PartialWindowAggregator(windows, outOfOrder);
        var fast = new List<PartialWindowResult>();
        var reference = new List<string>();
        var operators = windows.Select(w => (w, new WindowOperator<string, long, AmountStats>(
            new WindowOperatorOptions(w.Spec, w.AllowedLatenessMs, WindowTrigger.Accumulating), new AmountStatsAggregator()))).ToArray();
        var maxSeen = long.MinValue;
        var firings = new List<WindowFiring<string, AmountStats>>();
        void Emit(NamedWindow w) => reference.AddRange(firings.Select(f => Line(w.Name, f.Key, f.Start, f.End, f.Aggregate.ToState())));

        for (var i = 0; i < input.Count; i++)
        {
            var t = input[i];
            stage.Add(t, fast);
            foreach (var (w, op) in operators)
            {
                foreach (var key in KeysOf(t))
                {
                    firings.Clear();
                    op.OnEvent(key, Math.Max(0, t.AmountMinor), t.EventTimeMs, firings);
                    Emit(w);
                }
            }

            maxSeen = Math.Max(maxSeen, t.EventTimeMs);
            if (i % 100 == 99)
            {
                stage.AdvanceWatermark(fast);
                foreach (var (w, op) in operators)
                {
                    firings.Clear();
                    op.OnWatermark(Math.Max(op.CurrentWatermark, maxSeen - outOfOrder), firings);
                    Emit(w);
                }
            }
        }

        stage.AdvanceTo(long.MaxValue - 1, fast);
        foreach (var (w, op) in operators)
        {
            firings.Clear();
            op.OnWatermark(long.MaxValue - 1, firings);
            Emit(w);
        }

        return (fast.Select(p => Line(p.Window, p.Key, p.Start, p.End, p.Stats)).ToList(), reference, stage.LateDropped,
            operators.Sum(o => o.Item2.LateDroppedCount));
    }

    private static IEnumerable<string> KeysOf(DecidedTransaction t)
    {
        yield return $"decision:{WindowDimensions.StatusName(t.Status)}/{t.Currency}";
        if (t.Status is TransactionStatus.Approved or TransactionStatus.Flagged)
        {
            yield return $"all/{t.Currency}";
            yield return $"type:{t.Type.ToWire()}/{t.Currency}";
            if (t.Counterparty is { Length: > 0 } c && c[0] == 'M')
            {
                yield return $"merchant:{c}/{t.Currency}";
            }
        }
    }

    private static string Line(string window, string key, long start, long end, AmountStatsState s) =>
        $"{window} {key} [{start},{end}) c={s.Count} s={s.Sum} min={s.Min} max={s.Max} {Render(s.Sketch)}";

    private static string Render(AmountSketchState s) => $"z={s.ZeroCount} first={s.FirstIndex} [{string.Join(',', s.BucketCounts)}]";
}
