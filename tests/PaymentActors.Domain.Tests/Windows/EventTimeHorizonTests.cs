using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Tests.Windows;

public sealed class EventTimeHorizonTests
{
    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    [Fact]
    public void Nothing_is_too_old_before_the_first_event_time_is_seen()
    {
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        Assert.Equal(long.MinValue, horizon.Oldest);
        Assert.False(horizon.IsTooOld(long.MinValue, out _));
    }

    [Fact]
    public void The_horizon_follows_the_newest_event_time_and_never_moves_back()
    {
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        horizon.Observe(100 * Day);
        horizon.Observe(10 * Day); // an older record does not pull the horizon back
        Assert.Equal(100 * Day, horizon.Newest);
        Assert.Equal(65 * Day, horizon.Oldest);
        Assert.False(horizon.IsTooOld(65 * Day, out _));
        Assert.True(horizon.IsTooOld(65 * Day - 1, out var reason));
        Assert.StartsWith("timestamp: ", reason, StringComparison.Ordinal);
        Assert.Contains("older than the windows' retention (35 days", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Observations_from_many_threads_keep_the_maximum()
    {
        var horizon = new EventTimeHorizon();
        Parallel.For(0, 10_000, i => horizon.Observe(i));
        Assert.Equal(9_999, horizon.Newest);
    }

    [Fact]
    public void A_retention_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventTimeHorizon(TimeSpan.Zero));
    }
}
