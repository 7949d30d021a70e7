using Akka.Actor;
using Akka.TestKit.Xunit2;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Tests.Analytics;

/// <summary>A starting node's horizon takes the newest watermark the window collector knows, so old records are refused at once.</summary>
public sealed class HorizonSeederTests : TestKit
{
    private static readonly long Clock = DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    private static CollectorStatus Status(params long[] watermarks) =>
        new(watermarks.Select((w, i) => (Source: $"n{i}", Watermark: w)).ToDictionary(x => x.Source, x => x.Watermark), [], watermarks.Min(), 0, 0, 0);

    [Fact]
    public void The_horizon_moves_to_the_newest_plausible_watermark_and_the_seeder_stops()
    {
        var collector = CreateTestProbe();
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        var seeder = Sys.ActorOf(HorizonSeeder.Props(collector, horizon, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), () => Clock));
        Watch(seeder);

        collector.ExpectMsg<GetCollectorStatus>();
        Assert.Equal(long.MinValue, horizon.Oldest); // nothing seen yet: nothing too old
        // A finished replay's watermark (end of time) and one from before the clock's skew are not data; the newest real one counts.
        collector.Reply(Status(Clock - 10 * Day, Clock - 2 * Day, long.MaxValue, long.MinValue));

        ExpectTerminated(seeder);
        Assert.Equal(Clock - 2 * Day, horizon.Newest);
        Assert.True(horizon.IsTooOld(Clock - 40 * Day, out var reason));
        Assert.StartsWith("timestamp: ", reason, StringComparison.Ordinal);
        Assert.False(horizon.IsTooOld(Clock - 30 * Day, out _));
    }

    [Fact]
    public void It_asks_again_until_the_collector_answers_and_a_collector_with_no_sources_leaves_the_horizon_as_it_was()
    {
        var collector = CreateTestProbe();
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        var seeder = Sys.ActorOf(HorizonSeeder.Props(collector, horizon, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(200), () => Clock));
        Watch(seeder);

        // The singleton not located yet: the first ask is lost, the next one comes after the retry interval.
        collector.ExpectMsg<GetCollectorStatus>();
        collector.ExpectMsg<GetCollectorStatus>(TimeSpan.FromSeconds(3));
        collector.Reply(new CollectorStatus(new Dictionary<string, long>(), [], long.MinValue, 0, 0, 0));

        ExpectTerminated(seeder);
        Assert.Equal(long.MinValue, horizon.Oldest);
    }

    [Fact]
    public void A_newer_horizon_of_the_node_itself_is_never_moved_back()
    {
        var collector = CreateTestProbe();
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        horizon.Observe(Clock);
        var seeder = Sys.ActorOf(HorizonSeeder.Props(collector, horizon, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), () => Clock));
        Watch(seeder);

        collector.ExpectMsg<GetCollectorStatus>();
        collector.Reply(Status(Clock - 3 * Day));

        ExpectTerminated(seeder);
        Assert.Equal(Clock, horizon.Newest);
    }
}
