using System.Globalization;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Tests.Ingestion;

public sealed class EventTimeRulesTests
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);
    private static readonly long Now = Ms("2026-12-01T00:00:00Z");

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static EventTimeHorizon SeenNow()
    {
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        horizon.Observe(Now);
        return horizon;
    }

    [Fact]
    public void A_time_beyond_the_max_future_skew_is_refused_naming_the_timestamp()
    {
        var reason = EventTimeRules.Check(Now + (long)Skew.TotalMilliseconds + 1, Now, Skew, null);
        Assert.NotNull(reason);
        Assert.StartsWith("timestamp: 2026-12-01T00:05:00.0010000+00:00 is more than 00:05:00 ahead", reason, StringComparison.Ordinal);
        Assert.Contains("max future skew", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_within_the_max_future_skew_is_taken()
    {
        Assert.Null(EventTimeRules.Check(Now + (long)Skew.TotalMilliseconds, Now, Skew, SeenNow()));
        Assert.Null(EventTimeRules.Check(Now + 1, Now, Skew, SeenNow()));
        Assert.Null(EventTimeRules.Check(Now, Now, Skew, SeenNow()));
    }

    [Fact]
    public void A_time_older_than_the_retention_behind_the_newest_event_time_seen_is_refused_naming_the_timestamp()
    {
        var horizon = SeenNow();
        var reason = EventTimeRules.Check(Ms("2026-10-27T00:00:00Z") - 1, Now, Skew, horizon);
        Assert.NotNull(reason);
        Assert.StartsWith("timestamp: ", reason, StringComparison.Ordinal);
        Assert.Contains("older than the windows' retention (35 days", reason, StringComparison.Ordinal);
        Assert.Null(EventTimeRules.Check(Ms("2026-10-27T00:00:00Z"), Now, Skew, horizon));
    }

    [Fact]
    public void Nothing_is_too_old_without_a_horizon_or_before_it_has_seen_a_record()
    {
        Assert.Null(EventTimeRules.Check(Ms("2020-01-01T00:00:00Z"), Now, Skew, null));
        Assert.Null(EventTimeRules.Check(Ms("2020-01-01T00:00:00Z"), Now, Skew, new EventTimeHorizon()));
    }

    [Fact]
    public void Year_9999_is_refused_as_too_new()
    {
        var reason = EventTimeRules.Check(Ms("9999-12-31T23:59:59Z"), Now, Skew, SeenNow());
        Assert.NotNull(reason);
        Assert.StartsWith("timestamp: 9999-12-31T23:59:59.0000000+00:00 is more than", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Year_1_is_refused_as_too_old_once_the_windows_hold_data()
    {
        var reason = EventTimeRules.Check(Ms("0001-01-01T00:00:00Z"), Now, Skew, SeenNow());
        Assert.NotNull(reason);
        Assert.StartsWith("timestamp: 0001-01-01T00:00:00.0000000+00:00 is older than the windows' retention", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Times_outside_the_calendar_are_refused_without_overflowing(long eventTimeMs)
    {
        var reason = EventTimeRules.Check(eventTimeMs, Now, Skew, SeenNow());
        Assert.NotNull(reason);
        Assert.StartsWith("timestamp: ", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_clock_at_the_end_of_time_does_not_overflow_the_future_bound()
    {
        Assert.Null(EventTimeRules.Check(long.MaxValue, long.MaxValue, Skew, null));
    }

    [Fact]
    public void Bounds_check_against_their_clock()
    {
        var now = Now;
        var bounds = new EventTimeBounds(Skew, null, () => now);
        Assert.NotNull(bounds.Check(Ms("2026-12-01T00:05:01Z")));
        now = Ms("2026-12-01T00:01:00Z");
        Assert.Null(bounds.Check(Ms("2026-12-01T00:05:01Z")));
    }

    [Fact]
    public void A_screened_batch_sends_on_the_accepted_requests_and_keeps_the_order_in_its_answer()
    {
        var bounds = new EventTimeBounds(Skew, SeenNow(), () => Now);
        TransactionRequest Tx(string id, long time) => new(id, "A1", TransactionType.CashIn, 100, "EUR", null, time);
        var screen = EventTimeScreen.Of([Tx("t1", Now), Tx("t2", Ms("9999-12-31T23:59:59Z")), Tx("t3", Now - 1), Tx("t4", Ms("0001-01-01T00:00:00Z"))], bounds);

        Assert.True(screen.AnyRefused);
        Assert.Equal(["t1", "t3"], screen.Accepted.Select(r => r.TransactionId));
        var approved = screen.Accepted.Select(r => new TransactionOutcome(r.TransactionId, TransactionStatus.Approved, false, RejectCode.None, null, 100, "EUR", [])).ToList();
        var merged = screen.Merge(approved);

        Assert.Equal(["t1", "t2", "t3", "t4"], merged.Select(o => o.TransactionId));
        Assert.Equal([TransactionStatus.Approved, TransactionStatus.Rejected, TransactionStatus.Approved, TransactionStatus.Rejected], merged.Select(o => o.Status));
        Assert.All(merged.Where(o => o.Status == TransactionStatus.Rejected), o =>
        {
            Assert.Equal(RejectCode.InvalidField, o.Code);
            Assert.StartsWith("timestamp: ", o.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_batch_with_nothing_refused_is_sent_on_whole()
    {
        var screen = EventTimeScreen.Of([new TransactionRequest("t1", "A1", TransactionType.CashIn, 100, "EUR", null, Now)], new EventTimeBounds(Skew, null, () => Now));
        Assert.False(screen.AnyRefused);
        Assert.Single(screen.Accepted);
    }
}
