using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Tests.Windows;

/// <summary>
/// What a window projection relies on to count every durable decision once across a restart: an aggregator rebuilt from
/// its captured state behaves exactly as the original, and the collector takes a restarted source's new epoch and
/// makes no new revision from a partial it already has.
/// </summary>
public sealed class ProjectionRestartTests
{
    private static List<DecidedTransaction> Input(int count, int seed)
    {
        var random = new Random(seed);
        var statuses = new[] { TransactionStatus.Approved, TransactionStatus.Flagged, TransactionStatus.Declined };
        return Enumerable.Range(0, count).Select(i => new DecidedTransaction($"t{i}", TransactionType.Payment, 1 + random.Next(100_000),
            i % 5 == 0 ? "EUR" : "USD", random.Next(2) == 0 ? $"M{random.Next(20)}" : null, i * 30_000L + random.Next(300_000),
            statuses[random.Next(statuses.Length)])).ToList();
    }

    private static string Render(PartialWindowResult p) => $"{p.Window} {p.Key} {p.Start} c={p.Stats.Count} s={p.Stats.Sum} min={p.Stats.Min} max={p.Stats.Max}";

    [Fact]
    public void An_aggregator_restored_from_its_state_gives_exactly_the_partials_the_original_gives()
    {
        var input = Input(2_000, 3);
        var original = new PartialWindowAggregator(NamedWindow.Defaults, 5 * 60_000);
        var before = new List<PartialWindowResult>();
        foreach (var batch in input.Take(1_100).Chunk(64))
        {
            foreach (var t in batch)
            {
                original.Add(t, before);
            }

            original.AdvanceWatermark(before);
        }

        var state = original.ToState();
        Assert.NotEmpty(state.Windows);
        var restored = PartialWindowAggregator.FromState(NamedWindow.Defaults, 5 * 60_000, state);
        Assert.Equal(original.Watermark, restored.Watermark);

        var fromOriginal = new List<PartialWindowResult>();
        var fromRestored = new List<PartialWindowResult>();
        foreach (var batch in input.Skip(1_100).Chunk(64))
        {
            foreach (var t in batch)
            {
                original.Add(t, fromOriginal);
                restored.Add(t, fromRestored);
            }

            original.AdvanceWatermark(fromOriginal);
            restored.AdvanceWatermark(fromRestored);
        }

        original.AdvanceTo(long.MaxValue - 1, fromOriginal);
        restored.AdvanceTo(long.MaxValue - 1, fromRestored);
        Assert.NotEmpty(fromOriginal);
        Assert.Equal(fromOriginal.Select(Render), fromRestored.Select(Render));
        Assert.Equal(original.LateDropped, restored.LateDropped);
        Assert.Equal(original.Processed, restored.Processed);
    }

    [Fact]
    public void A_capture_between_watermarks_holds_what_was_added_and_one_with_a_late_firing_pending_is_refused()
    {
        var windows = NamedWindow.Defaults.Select(w => w with { AllowedLatenessMs = NamedWindow.Hour }).ToList();
        var aggregator = new PartialWindowAggregator(windows, 0);
        var t = Input(1, 1)[0] with { EventTimeMs = 60_000 };
        aggregator.Add(t, []);
        var hourly = Assert.Single(aggregator.ToState().Windows, w => w.Window == "hourly" && w.Key.StartsWith("decision:", StringComparison.Ordinal));
        Assert.Equal(1, hourly.Stats.Count);

        aggregator.AdvanceTo(NamedWindow.Hour, []); // the first hour has fired; it is kept for another hour of lateness
        aggregator.Add(t with { TransactionId = "late" }, []);
        Assert.Throws<InvalidOperationException>(() => aggregator.ToState());

        var late = new List<PartialWindowResult>();
        aggregator.AdvanceWatermark(late);
        Assert.Contains(late, w => w.Window == "hourly" && w.Start == 0 && w.Key == hourly.Key && w.Stats.Count == 2);
        Assert.Equal(2, Assert.Single(aggregator.ToState().Windows, w => w.Window == "hourly" && w.Key == hourly.Key).Stats.Count);
    }

    [Fact]
    public void A_restarted_source_opens_a_new_epoch_and_repeating_a_partial_makes_no_new_revision()
    {
        var collector = new WindowCollectorState();
        var partial = new PartialWindowResult("hourly", "all/EUR", 0, NamedWindow.Hour, Stats(3, 30));
        Assert.True(collector.IsNext("ledger-0", (1L << 32) + 1));
        collector.OnPartial("ledger-0", partial);
        collector.OnWatermark("ledger-0", NamedWindow.Hour);
        collector.OnSequence("ledger-0", (1L << 32) + 1);
        var first = Assert.Single(collector.DueResults());
        collector.MarkEmitted(first);
        Assert.Equal(1, first.Revision);

        // The source restarts from a checkpoint before that partial: epoch 2, numbered from 1 again.
        Assert.False(collector.IsNext("ledger-0", (1L << 32) + 1)); // a repeat of the old epoch
        Assert.False(collector.IsNext("ledger-0", (2L << 32) + 2)); // a gap in the new one
        Assert.True(collector.IsNext("ledger-0", (2L << 32) + 1));
        collector.OnPartial("ledger-0", partial with { Stats = Stats(3, 30) }); // re-derived: the same figures
        collector.OnSequence("ledger-0", (2L << 32) + 1);
        Assert.Empty(collector.DueResults());
        Assert.True(collector.IsNext("ledger-0", (2L << 32) + 2));

        collector.OnPartial("ledger-0", partial with { Stats = Stats(4, 31) }); // a decision it had not counted
        var second = Assert.Single(collector.DueResults());
        Assert.Equal((2, 4L), (second.Revision, second.Count));
    }

    private static AmountStatsState Stats(long count, long sum)
    {
        var stats = new AmountStats();
        for (var i = 0; i < count - 1; i++)
        {
            stats.Add(1);
        }

        stats.Add(sum - (count - 1));
        return stats.ToState();
    }
}
