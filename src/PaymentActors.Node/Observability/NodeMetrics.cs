using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using PaymentActors.Cluster.Observability;

namespace PaymentActors.Node.Observability;

/// <summary>
/// OpenTelemetry metrics, exposed in Prometheus' text format at <c>GET /metrics</c>: the PaymentActors meter
/// (<see cref="PaymentsMetrics"/>), the .NET runtime's own meter (GC, JIT, thread pool, exceptions), process
/// CPU and memory, and ASP.NET Core's request metrics.
/// </summary>
public static class NodeMetrics
{
    public static IServiceCollection AddNodeMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(PaymentsMetrics.MeterName, "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddProcessInstrumentation()
            // No scrape cache: two reads a moment apart see every count in between (tests rely on exact deltas).
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    public static void MapNodeMetrics(this IEndpointRouteBuilder endpoints) => endpoints.MapPrometheusScrapingEndpoint("/metrics");
}
