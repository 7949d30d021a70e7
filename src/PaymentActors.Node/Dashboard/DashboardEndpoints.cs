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
/// events: members with shards, throughput and decision latency percentiles, outcomes by type, ingest counters,
/// and every few seconds the latest window results and alerts from the cluster singletons.
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
        for (long tick = 0; !ct.IsCancellationRequested; tick++)
        {
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
            yield return new DashboardSnapshot(
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                cluster.SelfAddress.ToString(),
                state.Leader?.ToString(),
                state.Members.Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), m.Roles.ToArray(),
                    shards.GetValueOrDefault(m.Address.ToString()), state.Unreachable.Contains(m))).ToArray(),
                Math.Round((totals.Decided - previous.Decided) / seconds, 1),
                totals,
                lastMinute.Sum() == 0 ? null : new LatencyView(PaymentsMetrics.QuantileMs(lastMinute, 0.5),
                    PaymentsMetrics.QuantileMs(lastMinute, 0.95), PaymentsMetrics.QuantileMs(lastMinute, 0.99), lastMinute.Sum()),
                slow ? await WindowsAsync(registry, ct) : null,
                slow ? await AlertsAsync(registry, ct) : null);
            previous = totals;
            previousAt = now;
            try
            {
                await Task.Delay(Interval, ct);
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
    LatencyView? Latency, WindowsView? Windows, AlertView[]? Alerts);

public sealed record MemberView(string Address, string Status, string[] Roles, int Shards, bool Unreachable);

/// <summary>Decision latency over the last minute, milliseconds (upper bounds of power-of-two buckets).</summary>
public sealed record LatencyView(double P50, double P95, double P99, long Samples);

public sealed record WindowsView(WindowPoint[] Hourly, WindowPoint[] Sliding);

public sealed record WindowPoint(long Start, long End, string Key, long Count, long SumMinor);
