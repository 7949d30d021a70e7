using Akka.Actor;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Analytics;

/// <summary>
/// Gives a starting node's event-time horizon what the cluster has already seen: until its own window stage has seen a
/// record, a node would take any past date (nothing is too old against an empty horizon). It asks the window collector
/// for its sources' watermarks (again every <c>retryInterval</c> until the singleton answers), moves the horizon to the
/// newest of them, and stops. A watermark dated beyond the clock plus the max future skew (a finished replay's "end of
/// time") says nothing about the data and is ignored.
/// </summary>
public sealed class HorizonSeeder : ReceiveActor, IWithTimers
{
    private const string AskTimer = "ask";
    private readonly TimeSpan _retryInterval;

    public static Props Props(IActorRef collector, EventTimeHorizon horizon, TimeSpan maxFutureSkew, TimeSpan retryInterval, Func<long>? clock = null) =>
        Akka.Actor.Props.Create(() => new HorizonSeeder(collector, horizon, maxFutureSkew, retryInterval, clock));

    public HorizonSeeder(IActorRef collector, EventTimeHorizon horizon, TimeSpan maxFutureSkew, TimeSpan retryInterval, Func<long>? clock)
    {
        _retryInterval = retryInterval;
        var now = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Receive<Ask>(_ => collector.Tell(GetCollectorStatus.Instance));
        Receive<CollectorStatus>(status =>
        {
            var latest = now() + (long)maxFutureSkew.TotalMilliseconds;
            var newest = status.Watermarks.Values.Where(w => w != long.MinValue && w <= latest).DefaultIfEmpty(long.MinValue).Max();
            if (newest != long.MinValue)
            {
                horizon.Observe(newest);
            }

            Context.Stop(Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer(AskTimer, Ask.Instance, TimeSpan.Zero, _retryInterval);

    private sealed class Ask
    {
        public static readonly Ask Instance = new();
    }
}
