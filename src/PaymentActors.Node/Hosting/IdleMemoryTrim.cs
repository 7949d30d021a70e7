using System.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Observability;

namespace PaymentActors.Node.Hosting;

/// <summary>
/// Gives memory back to the operating system once a node that was busy goes quiet. The garbage collector runs only
/// when something allocates, so after a burst an idle node (Server GC) kept the heap it grew to for as long as it
/// stayed idle. When no transaction has been decided for <see cref="QuietFor"/> after some were, one aggressive,
/// compacting, blocking collection runs (it decommits the free space); and once more after the accounts of the burst
/// have passivated (<see cref="AfterPassivation"/>), when the memory they held is garbage too. An idle node still
/// allocates a little (the alert collector polls the journal several times a second), which a Server GC heap lets
/// pile up for minutes before its next collection: while idle, a collection runs again whenever the working set has
/// grown by <see cref="RegrowthAllowance"/> since the last one. Nothing runs while transactions flow.
/// </summary>
public sealed class IdleMemoryTrim(ILogger<IdleMemoryTrim> log, TimeSpan? quietFor = null, TimeSpan? afterPassivation = null) : BackgroundService
{
    public TimeSpan QuietFor { get; } = quietFor ?? TimeSpan.FromSeconds(20);

    /// <summary>The accounts' idle timeout (2 min) plus a margin.</summary>
    public TimeSpan AfterPassivation { get; } = afterPassivation ?? TimeSpan.FromSeconds(150);

    /// <summary>Growth of the working set, once idle and trimmed, that is collected again.</summary>
    public const long RegrowthAllowance = 48L << 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastDecided = PaymentsMetrics.DecidedTotal;
        var quietSince = DateTime.UtcNow;
        var trims = 2; // nothing to give back before the first burst
        var afterTrim = long.MaxValue;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var decided = PaymentsMetrics.DecidedTotal;
            if (decided != lastDecided)
            {
                lastDecided = decided;
                quietSince = DateTime.UtcNow;
                trims = 0;
                continue;
            }

            var quiet = DateTime.UtcNow - quietSince;
            if ((trims == 0 && quiet >= QuietFor) || (trims == 1 && quiet >= AfterPassivation))
            {
                trims++;
                afterTrim = Trim(LogLevel.Information);
            }
            else if (trims > 0 && Environment.WorkingSet - afterTrim >= RegrowthAllowance)
            {
                afterTrim = Trim(LogLevel.Debug); // routine while idle: not worth a line each minute
            }
        }
    }

    /// <summary>Collects and decommits; returns the working set after.</summary>
    private long Trim(LogLevel level)
    {
        var before = Environment.WorkingSet;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var after = Environment.WorkingSet;
        log.Log(level, "Node idle: memory returned to the system (working set {Before} MB -> {After} MB)", before >> 20, after >> 20);
        return after;
    }
}
