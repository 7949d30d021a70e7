using System.Diagnostics;

namespace PaymentActors.Bench.Harness;

/// <summary>What the garbage collector did during a measured run: collections, time paused, bytes allocated.</summary>
public sealed class GcWatch
{
    private readonly TimeSpan _paused = GC.GetTotalPauseDuration();
    private readonly long _allocated = GC.GetTotalAllocatedBytes();
    private readonly int _collections = GC.CollectionCount(0); // every collection counts gen 0 too
    private readonly long _started = Stopwatch.GetTimestamp();

    /// <param name="PausedShare">Share of the run's wall-clock time the process spent paused for the collector.</param>
    public sealed record Figures(int Collections, double MeanPauseMs, double PausedShare, double AllocatedKbPerTx);

    public static GcWatch Start() => new();

    public Figures Stop(long transactions)
    {
        var collections = GC.CollectionCount(0) - _collections;
        var paused = (GC.GetTotalPauseDuration() - _paused).TotalMilliseconds;
        var elapsed = Stopwatch.GetElapsedTime(_started).TotalMilliseconds;
        return new Figures(collections, collections == 0 ? 0 : paused / collections, elapsed <= 0 ? 0 : paused / elapsed,
            (GC.GetTotalAllocatedBytes() - _allocated) / 1024.0 / Math.Max(1, transactions));
    }
}
