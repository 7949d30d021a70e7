using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Akka.TestKit.Xunit2;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Tests.Analytics;

/// <summary>The node's window stage between probes: what its event-time bounds let into the windows.</summary>
public sealed class NodeWindowsStageTests : TestKit
{
    private static readonly long Clock = DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
    private static readonly long FiveMinutes = (long)TimeSpan.FromMinutes(5).TotalMilliseconds;

    private static WindowInput Tx(string id, long eventTimeMs) =>
        WindowInput.Of(new DecidedTransaction(id, TransactionType.CashIn, 100, "USD", null, eventTimeMs, TransactionStatus.Approved));

    [Fact]
    public void Records_beyond_the_retention_or_the_max_future_skew_move_no_watermark_and_fill_no_window()
    {
        // Idle reports far away: every report below is caused by input.
        var settings = WindowSettings.Default with { IdleTimeout = TimeSpan.FromMinutes(10), Retention = TimeSpan.FromDays(35) };
        var horizon = new EventTimeHorizon(settings.Retention);
        var (upstream, downstream) = this.SourceProbe<WindowInput>()
            .Via(NodeWindows.Flow(settings, "n#1", horizon, () => Clock))
            .ToMaterialized(this.SinkProbe<WindowPartials>(), Keep.Both)
            .Run(Sys.Materializer());
        downstream.Request(100);

        upstream.SendNext(Tx("now", Clock));
        Assert.Equal(Clock - FiveMinutes, downstream.ExpectNext().Watermark);
        Assert.Equal(Clock, horizon.Newest);

        var later = Clock + FiveMinutes; // exactly the max future skew ahead of the clock: still taken
        upstream.SendNext(Tx("old", Clock - (long)TimeSpan.FromDays(36).TotalMilliseconds));
        upstream.SendNext(Tx("year-9999", DateTimeOffset.Parse("9999-12-31T23:59:59Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()));
        upstream.SendNext(Tx("later", later));
        var reports = new List<WindowPartials>();
        while (reports.Count == 0 || reports[^1].Watermark != later - FiveMinutes)
        {
            reports.Add(downstream.ExpectNext());
        }

        Assert.All(reports, p => Assert.True(p.Watermark <= later - FiveMinutes, $"watermark moved to {p.Watermark}"));
        // The 36-day-old record opened no window: a late firing or a new window of its day would show here.
        Assert.All(reports.SelectMany(p => p.Partials), w => Assert.True(w.End > Clock - (long)TimeSpan.FromDays(1).TotalMilliseconds, $"window {w.Window} {w.Start}"));
        Assert.Equal(later, horizon.Newest);

        // Within the retention, a record behind the watermark is still the windows' business (a late record, counted there).
        upstream.SendNext(Tx("recent", Clock - (long)TimeSpan.FromDays(34).TotalMilliseconds));
        upstream.SendComplete();
        downstream.ExpectComplete();
    }
}
