using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Observability;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Cluster.Accounts;

/// <summary>Registry key of the transfer-watch shard region (Akka.Hosting <c>IRequiredActor&lt;TransferWatchRegion&gt;</c>).</summary>
public sealed class TransferWatchRegion;

/// <summary>
/// Keeps a payer with unsettled transfers alive across node crashes and cluster restarts.
/// <para>
/// The account region does not remember its entities (10k+ accounts would all be restarted on every
/// rebalance), so a payer whose node dies with transfers in its outbox would otherwise stay asleep, its
/// debits never credited, until someone happened to message it. Instead each payer with a non-empty
/// outbox has one of these small entities, keyed by the payer's id, in a region that <i>does</i> remember
/// its entities (event-sourced remember-entities store, so the set also survives a full cluster restart).
/// Sharding restarts a remembered watch wherever its shard lands; the watch then sends
/// <see cref="SettlePendingTransfers"/> to the payer every interval, which recovers the payer, whose
/// recovery resends its outbox. Plain CASH_IN/PAYMENT traffic never involves a watch; a transfer costs
/// a watch start and stop (two remember-entities writes) and four small messages per period in which the
/// payer's outbox is non-empty, not per transfer.
/// </para>
/// <para>
/// Races: <see cref="UnwatchTransfers"/> is only a hint. The watch stops (by passivation, which removes it
/// from the remembered set) only when the payer answers the watch's <i>latest</i> probe with zero pending
/// transfers and no <see cref="WatchTransfers"/> arrived since that probe was sent. The answer comes from
/// whichever incarnation of the payer is alive, after the probe, so a stale Unwatch from an earlier
/// incarnation, or a Watch overtaken by an Unwatch, can never stop a watch whose payer still has
/// something pending. A Watch that reaches a watch already passivating is handed back to the shard,
/// which buffers it and starts a fresh watch once the stop is stored.
/// </para>
/// </summary>
public sealed class TransferWatchActor : ReceiveActor, IWithTimers
{
    private const string ProbeTimer = "probe";

    private readonly string _payerId;
    private readonly IActorRef _accountRegion;
    private readonly TimeSpan _interval;

    // Random start, so an answer meant for an earlier incarnation of this watch cannot match by accident.
    private long _probe = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private bool _watchedSinceProbe = true;
    private bool _stopping;
    private bool _watchedWhileStopping;

    public static Props Props(string payerId, IActorRef accountRegion, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new TransferWatchActor(payerId, accountRegion, interval));

    public TransferWatchActor(string payerId, IActorRef accountRegion, TimeSpan interval)
    {
        _payerId = payerId;
        _accountRegion = accountRegion;
        _interval = interval;

        Receive<WatchTransfers>(_ =>
        {
            if (_stopping)
            {
                _watchedWhileStopping = true;
            }
            else
            {
                _watchedSinceProbe = true;
            }
        });
        Receive<UnwatchTransfers>(_ => Probe());
        Receive<ProbeTick>(_ => Probe());
        Receive<PendingTransfersReport>(OnReport);
        Receive<StopWatching>(_ =>
        {
            if (_watchedWhileStopping)
            {
                // The shard buffers it while this watch stops, then starts (and remembers) a new one.
                Context.Parent.Tell(new WatchTransfers(_payerId));
            }

            Context.Stop(Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        // Started by a Watch (normal case: the payer settles within milliseconds and says Unwatch) or by
        // sharding restarting a remembered watch. The first probe is spread over half an interval so that a
        // cluster restart does not wake every payer at once.
        PaymentsMetrics.EntityStarted(PaymentsHosting.TransferWatchTypeName);
        var first = _interval * (0.5 + Random.Shared.NextDouble() / 2);
        Timers.StartPeriodicTimer(ProbeTimer, ProbeTick.Instance, first, _interval);
    }

    protected override void PostStop() => PaymentsMetrics.EntityStopped(PaymentsHosting.TransferWatchTypeName);

    private void Probe()
    {
        if (_stopping)
        {
            return;
        }

        _probe++;
        _watchedSinceProbe = false;
        _accountRegion.Tell(new SettlePendingTransfers(_payerId, _probe));
    }

    private void OnReport(PendingTransfersReport report)
    {
        if (_stopping || report.Probe != _probe || _watchedSinceProbe || report.Pending > 0)
        {
            return;
        }

        _stopping = true;
        Timers.CancelAll();
        // Passivate, not Stop: with remember-entities only a passivated entity leaves the remembered set.
        Context.Parent.Tell(new Passivate(StopWatching.Instance));
    }

    private sealed class ProbeTick
    {
        public static readonly ProbeTick Instance = new();
    }

    /// <summary>The stop message the shard sends back on passivation (local only, never serialized).</summary>
    internal sealed class StopWatching
    {
        public static readonly StopWatching Instance = new();
    }

    /// <summary>
    /// How an account tells its watch: the region is found in the registry, so accounts started outside a
    /// full node (unit tests) simply have no watch. Resolved on each use until found: a payer may start
    /// while the node is still registering its regions.
    /// </summary>
    internal static void Tell(ActorSystem system, ref IActorRef? region, ITransferWatchCommand message)
    {
        if (region is null)
        {
            if (!ActorRegistry.For(system).TryGet<TransferWatchRegion>(out var found))
            {
                return;
            }

            region = found;
        }

        region.Tell(message);
    }
}
