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
/// have passivated (<see cref="AfterPassivation"/>), when the memory they held is garbage too. Nothing runs while
/// transactions flow.
/// </summary>
public sealed class IdleMemoryTrim(ILogger<IdleMemoryTrim> log, TimeSpan? quietFor = null, TimeSpan? afterPassivation = null) : BackgroundService
{
    public TimeSpan QuietFor { get; } = quietFor ?? TimeSpan.FromSeconds(20);

    /// <summary>The accounts' idle timeout (2 min) plus a margin.</summary>
    public TimeSpan AfterPassivation { get; } = afterPassivation ?? TimeSpan.FromSeconds(150);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastDecided = PaymentsMetrics.DecidedTotal;
        var quietSince = DateTime.UtcNow;
        var trims = 2; // nothing to give back before the first burst
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
                Trim();
            }
        }
    }

    private void Trim()
    {
        var before = Environment.WorkingSet;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        log.LogInformation("Node idle: memory returned to the system (working set {Before} MB -> {After} MB)", before >> 20, Environment.WorkingSet >> 20);
    }
}
