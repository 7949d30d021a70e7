using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Observability;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Windows;
using PaymentActors.Domain.Transactions;
using PaymentActors.Node.Security;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Node.Dashboard;

/// <summary>
/// The live dashboard: <c>GET /</c> serves the page, <c>GET /dashboard/{file}</c> its script and styles (embedded
/// in this assembly), and <c>GET /dashboard/events</c> pushes one snapshot of the node a second as server-sent
/// events: members with shards, throughput and decision latency percentiles (this node's, and the cluster's from
/// every Up node's latency reporter), outcomes by type, ingest counters, and every few seconds the latest window
/// results and alerts from the cluster singletons.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);
    private const long Hour = 3_600_000;

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Asset("index.html")).ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", (string file) => Asset(file)).ExcludeFromDescription();
        app.MapGet("/dashboard/events", (ActorSystem system, ActorRegistry registry, ShardLocality locality, CancellationToken ct) =>
            TypedResults.ServerSentEvents(Snapshots(system, registry, locality, ct), "snapshot")).ExcludeFromDescription();
        app.MapDashboardSession();
    }

    private static IResult Asset(string file)
    {
        var type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => null,
        };
        var stream = type is null ? null : typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("dashboard/" + file);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }

    private static async IAsyncEnumerable<DashboardSnapshot> Snapshots(ActorSystem system, ActorRegistry registry, ShardLocality locality,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var previous = PaymentsMetrics.Totals();
        var previousAt = Stopwatch.GetTimestamp();
        var latencies = new Queue<long[]>();
        latencies.Enqueue(PaymentsMetrics.LatencySnapshot());
        var clusterWindow = new ClusterLatencyWindow(TimeSpan.FromMinutes(1));
        var started = Stopwatch.GetTimestamp();
        for (long tick = 0; !ct.IsCancellationRequested; tick++)
        {
            var tickStart = Stopwatch.GetTimestamp();
            // Asked first, answered while this node's own figures are read.
            var gathering = ClusterLatencyGatherer.GatherAsync(ClusterLatencyGatherer.UpNodes(cluster),
                member => LatencyReporterActor.On(system, member), ClusterLatencyGatherer.Timeout, ct);
            var totals = PaymentsMetrics.Totals();
            var now = Stopwatch.GetTimestamp();
            var seconds = Math.Max(1e-3, Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds);
            var latency = PaymentsMetrics.LatencySnapshot();
            latencies.Enqueue(latency);
            while (latencies.Count > 61)
            {
                latencies.Dequeue();
            }

            var lastMinute = latency.Zip(latencies.Peek(), (a, b) => a - b).ToArray();
            var state = cluster.State;
            var shards = locality.Read().ShardsByNode;
            var slow = tick % 3 == 0; // the singletons are asked less often than the local figures are read
            // Timed when asked: the answers come within moments, though a silent member makes the gathering last its timeout.
            var clusterFigures = clusterWindow.Add(await gathering, Stopwatch.GetElapsedTime(started, tickStart));
            yield return new DashboardSnapshot(
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                cluster.SelfAddress.ToString(),
                state.Leader?.ToString(),
                state.Members.Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), m.Roles.ToArray(),
                    shards.GetValueOrDefault(m.Address.ToString()), state.Unreachable.Contains(m))).ToArray(),
                Math.Round((totals.Decided - previous.Decided) / seconds, 1),
                totals,
                LatencyView.Of(lastMinute),
                ClusterView.Of(clusterFigures),
                slow ? await WindowsAsync(registry, ct) : null,
                slow ? await AlertsAsync(registry, ct) : null);
            previous = totals;
            previousAt = now;
            try
            {
                // One snapshot a second even when a silent member made the gathering wait its timeout.
                var wait = Interval - Stopwatch.GetElapsedTime(tickStart);
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, ct);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    private static async Task<WindowsView?> WindowsAsync(ActorRegistry registry, CancellationToken ct)
    {
        if (!registry.TryGet<WindowCollector>(out var collector))
        {
            return null;
        }

        try
        {
            var status = await collector.Ask<CollectorStatus>(GetCollectorStatus.Instance, AskTimeout, ct);
            var latest = status.Watermarks.Count == 0 ? long.MinValue : status.Watermarks.Values.Max();
            if (latest == long.MinValue)
            {
                return new WindowsView([], []);
            }

            var hourly = await collector.Ask<WindowResults>(new GetWindowResults("hourly", "type:", latest - 12 * Hour, long.MaxValue), AskTimeout, ct);
            var sliding = await collector.Ask<WindowResults>(new GetWindowResults("sliding-6h", "all/", latest - 24 * Hour, long.MaxValue), AskTimeout, ct);
            return new WindowsView(
                LatestRevisions(hourly.Results).Select(r => new WindowPoint(r.Start, r.End, r.Key, r.Count, r.Sum)).ToArray(),
                LatestRevisions(sliding.Results).Select(r => new WindowPoint(r.Start, r.End, r.Key, r.Count, r.Sum)).ToArray());
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null; // the page keeps what it showed last
        }
    }

    private static IEnumerable<WindowResult> LatestRevisions(IEnumerable<WindowResult> results) =>
        results.GroupBy(r => (r.Key, r.Start)).Select(g => g.MaxBy(r => r.Revision)!).OrderBy(r => r.Start).ThenBy(r => r.Key, StringComparer.Ordinal);

    private static async Task<AlertView[]?> AlertsAsync(ActorRegistry registry, CancellationToken ct)
    {
        if (!registry.TryGet<AlertCollector>(out var collector))
        {
            return null;
        }

        try
        {
            var reply = await collector.Ask<AlertsReply>(new GetAlerts(null, long.MinValue, long.MaxValue, 15), AskTimeout, ct);
            return reply.Alerts.Select(AlertView.Of).ToArray();
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }
}

public sealed record DashboardSnapshot(long AtMs, string Self, string? Leader, MemberView[] Members, double Throughput, NodeTotals Totals,
    LatencyView? Latency, ClusterView Cluster, WindowsView? Windows, AlertView[]? Alerts);

public sealed record MemberView(string Address, string Status, string[] Roles, int Shards, bool Unreachable);

/// <summary>Decision latency over the last minute, milliseconds (upper bounds of power-of-two buckets).</summary>
public sealed record LatencyView(double P50, double P95, double P99, long Samples)
{
    /// <summary>The percentiles of <paramref name="buckets"/> (power-of-two µs); null when nothing was counted.</summary>
    public static LatencyView? Of(long[] buckets)
    {
        var samples = buckets.Sum();
        return samples == 0
            ? null
            : new LatencyView(PaymentsMetrics.QuantileMs(buckets, 0.5), PaymentsMetrics.QuantileMs(buckets, 0.95), PaymentsMetrics.QuantileMs(buckets, 0.99), samples);
    }
}

/// <summary>
/// The cluster over the nodes that answered (<paramref name="Answered"/> of <paramref name="Members"/> Up nodes):
/// decisions per second, decided since each node started, and latency percentiles of their summed buckets.
/// </summary>
public sealed record ClusterView(int Answered, int Members, double Throughput, long Decided, LatencyView? Latency)
{
    public static ClusterView Of(ClusterLatencyFigures f) => new(f.Answered, f.Members, f.Throughput, f.Decided, LatencyView.Of(f.LastMinute));
}

public sealed record WindowsView(WindowPoint[] Hourly, WindowPoint[] Sliding);

public sealed record WindowPoint(long Start, long End, string Key, long Count, long SumMinor);
