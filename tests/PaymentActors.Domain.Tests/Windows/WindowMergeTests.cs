using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Tests.Windows;

public sealed class WindowMergeTests
{
    private const long Hour = NamedWindow.Hour;

    private static List<DecidedTransaction> Input(int count, int seed)
    {
        var random = new Random(seed);
        var types = new[] { TransactionType.Payment, TransactionType.Transfer, TransactionType.CashIn, TransactionType.CashOut };
        var statuses = new[] { TransactionStatus.Approved, TransactionStatus.Approved, TransactionStatus.Flagged, TransactionStatus.Declined };
        return Enumerable.Range(0, count).Select(i => new DecidedTransaction(
            $"t{i}", types[random.Next(types.Length)], 1 + random.Next(1_000_000), i % 7 == 0 ? "EUR" : "USD",
            random.Next(3) == 0 ? $"M{random.Next(5)}" : $"C{random.Next(50)}",
            i * 60_000L + random.Next(600_000), // 1 tx a minute, up to 10 minutes out of order
            statuses[random.Next(statuses.Length)])).ToList();
    }

    private static IReadOnlyList<WindowResult> Run(IEnumerable<IEnumerable<DecidedTransaction>> sources)
    {
        var collector = new WindowCollectorState();
        var n = 0;
        var all = new List<WindowResult>();
        foreach (var source in sources)
        {
            var id = $"node{n++}";
            var aggregator = new PartialWindowAggregator(NamedWindow.Defaults, maxOutOfOrdernessMs: 15 * 60_000);
            var partials = new List<PartialWindowResult>();
            foreach (var t in source)
            {
                aggregator.Add(t, partials);
                aggregator.AdvanceWatermark(partials);
            }

            aggregator.AdvanceTo(long.MaxValue - 1, partials);
            foreach (var p in partials)
            {
                collector.OnPartial(id, p);
            }

            collector.OnWatermark(id, aggregator.Watermark);
            Assert.Equal(0, aggregator.LateDropped);
        }

        foreach (var r in collector.DueResults())
        {
            collector.MarkEmitted(r);
            all.Add(r);
        }

        return all;
    }

    private static string Render(WindowResult r) =>
        $"{r.Window} {r.Key} {r.Start} {r.End} c={r.Count} s={r.Sum} min={r.Min} max={r.Max} p50={r.Quantile(0.5)} p99={r.Quantile(0.99)}";

    [Fact]
    public void Partials_from_two_nodes_merge_to_the_same_results_as_one_node()
    {
        var input = Input(2_000, 5);
        var single = Run([input]).Select(Render).ToList();
        var split = Run([input.Where((_, i) => i % 2 == 0), input.Where((_, i) => i % 2 == 1)]).Select(Render).ToList();
        Assert.NotEmpty(single);
        Assert.Equal(single, split);
    }

    [Fact]
    public void Every_applied_transaction_is_counted_once_per_window_that_contains_it()
    {
        var input = Input(500, 9);
        var results = Run([input]);
        var hourlyAll = results.Where(r => r.Window == "hourly" && r.Key.StartsWith("all/", StringComparison.Ordinal)).Sum(r => r.Count);
        var sliding = results.Where(r => r.Window == "sliding-6h" && r.Key.StartsWith("all/", StringComparison.Ordinal)).Sum(r => r.Count);
        var applied = input.Count(t => t.Status is TransactionStatus.Approved or TransactionStatus.Flagged);
        Assert.Equal(applied, hourlyAll);
        Assert.Equal(applied * 6, sliding); // each event is in six 6 h windows sliding by 1 h
        Assert.Equal(input.Count, results.Where(r => r.Window == "hourly" && r.Key.StartsWith("decision:", StringComparison.Ordinal)).Sum(r => r.Count));
        Assert.Equal(input.Where(t => t.Status != TransactionStatus.Declined).Sum(t => t.AmountMinor),
            results.Where(r => r.Window == "hourly" && r.Key.StartsWith("all/", StringComparison.Ordinal)).Sum(r => r.Sum));
    }

    [Fact]
    public void A_window_is_final_only_when_every_active_source_has_passed_it_and_a_late_partial_is_a_new_revision()
    {
        var collector = new WindowCollectorState();
        var stats = new PaymentActors.Domain.Windows.AmountStats();
        stats.Add(100);
        collector.OnPartial("a", new PartialWindowResult("hourly", "all/USD", 0, Hour, stats.ToState()));
        collector.OnWatermark("a", Hour);
        collector.OnWatermark("b", Hour - 10);
        Assert.Empty(collector.DueResults()); // b holds it back

        collector.Retire("b"); // b's node left
        var first = Assert.Single(collector.DueResults());
        Assert.Equal(1, first.Revision);
        collector.MarkEmitted(first);
        Assert.Empty(collector.DueResults()); // nothing changed: nothing re-emitted

        stats.Add(50);
        collector.OnPartial("a", new PartialWindowResult("hourly", "all/USD", 0, Hour, stats.ToState())); // a late firing on node a
        var second = Assert.Single(collector.DueResults());
        Assert.Equal(2, second.Revision);
        Assert.Equal(150, second.Sum);
        Assert.Equal(2, second.Count);

        var restored = WindowCollectorState.FromSnapshot(collector.ToSnapshot());
        Assert.Equal(Render(second), Render(Assert.Single(restored.DueResults())));
        Assert.Equal(Render(first), Render(Assert.Single(restored.Query("hourly", "all/", 0, Hour))));
    }

    [Fact]
    public void A_restarted_node_retires_its_earlier_incarnation_so_it_no_longer_holds_the_watermark_back()
    {
        var collector = new WindowCollectorState();
        collector.OnWatermark("akka.tcp://payments@127.0.0.1:4053#111", 1_000);
        collector.OnWatermark("akka.tcp://payments@127.0.0.1:4054#222", 5_000);
        Assert.Equal(1_000, collector.MinWatermark);

        // The node on 4053 restarted: incarnation 333 replaces 111 (and only 111).
        var replaced = collector.EarlierIncarnations("akka.tcp://payments@127.0.0.1:4053#333");
        Assert.Equal(["akka.tcp://payments@127.0.0.1:4053#111"], replaced);
        foreach (var source in replaced)
        {
            collector.Retire(source);
        }

        collector.OnWatermark("akka.tcp://payments@127.0.0.1:4053#333", 9_000);
        Assert.Equal(5_000, collector.MinWatermark);
        Assert.Empty(collector.EarlierIncarnations("akka.tcp://payments@127.0.0.1:4053#333"));
    }

    [Fact]
    public void A_silent_source_stops_holding_the_watermark_back_and_rejoins_when_it_reports_again()
    {
        var collector = new WindowCollectorState();
        collector.OnWatermark("a", 1_000);
        collector.OnWatermark("b", 5_000);
        Assert.Equal(1_000, collector.MinWatermark);

        Assert.True(collector.MarkSilent("a"));
        Assert.False(collector.MarkSilent("a")); // already silent
        Assert.Equal(5_000, collector.MinWatermark);
        Assert.Equal(["a"], collector.SilentSources);

        collector.OnWatermark("a", 2_000); // it reports again: counted again
        Assert.Equal(2_000, collector.MinWatermark);
        Assert.Empty(collector.SilentSources);

        // Only an active source goes silent: not an unknown one, nor one idle by its own report, nor a retired one.
        Assert.False(collector.MarkSilent("unknown"));
        collector.OnWatermark("c", 9_000, idle: true);
        Assert.False(collector.MarkSilent("c"));
        collector.Retire("b");
        Assert.False(collector.MarkSilent("b"));

        // Silence is the collector's own clock: not in the snapshot (a new collector gives every source a full timeout).
        Assert.True(collector.MarkSilent("a"));
        Assert.True(collector.Heard("a"));
        Assert.True(collector.MarkSilent("a"));
        Assert.Empty(WindowCollectorState.FromSnapshot(collector.ToSnapshot()).SilentSources);
    }

    [Fact]
    public void A_window_that_changed_while_its_result_was_being_written_stays_due_for_the_next_revision()
    {
        var collector = new WindowCollectorState();
        var stats = new PaymentActors.Domain.Windows.AmountStats();
        stats.Add(100);
        collector.OnPartial("a", new PartialWindowResult("hourly", "all/USD", 0, Hour, stats.ToState()));
        collector.OnWatermark("a", Hour);
        var first = Assert.Single(collector.DueResults());

        stats.Add(7); // arrives while revision 1 is on its way to the sinks
        collector.OnPartial("a", new PartialWindowResult("hourly", "all/USD", 0, Hour, stats.ToState()));
        collector.MarkEmitted(first);
        var second = Assert.Single(collector.DueResults());
        Assert.Equal(2, second.Revision);
        Assert.Equal(107, second.Sum);
        collector.MarkEmitted(second);
        Assert.Empty(collector.DueResults());
    }

    [Fact]
    public void A_backlog_of_due_windows_goes_out_in_bounded_batches_earliest_end_first_and_all_of_it_in_the_end()
    {
        var collector = new WindowCollectorState();
        var stats = new PaymentActors.Domain.Windows.AmountStats();
        stats.Add(100);
        // 10 hours × 25 keys, arriving latest first: 250 windows due at once.
        for (var hour = 9; hour >= 0; hour--)
        {
            for (var key = 0; key < 25; key++)
            {
                collector.OnPartial("a", new PartialWindowResult("hourly", $"merchant:M{key:D2}/EUR", hour * Hour, (hour + 1) * Hour, stats.ToState()));
            }
        }

        collector.OnWatermark("a", 10 * Hour);
        var emitted = new List<WindowResult>();
        while (collector.DueResults(max: 40) is { Count: > 0 } batch)
        {
            Assert.True(batch.Count <= 40);
            foreach (var result in batch)
            {
                collector.MarkEmitted(result);
            }

            emitted.AddRange(batch);
            Assert.Equal(emitted.Count, collector.EmittedWindows);
            Assert.Equal(250 - emitted.Count, collector.OpenWindows);
        }

        Assert.Equal(250, emitted.Count);
        Assert.Equal(250, emitted.Select(r => (r.Key, r.Start)).Distinct().Count());
        Assert.All(emitted, r => Assert.Equal(1, r.Revision));
        Assert.Equal(emitted.OrderBy(r => r.End).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, r.Start)), emitted.Select(r => (r.Key, r.Start)));
        Assert.Equal(250, WindowCollectorState.FromSnapshot(collector.ToSnapshot()).EmittedWindows);
    }
}
