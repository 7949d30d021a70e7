using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Observability;
using PaymentActors.Cluster.Risk;
using PaymentActors.Node.Http;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Node.Observability;

/// <summary>
/// <c>GET /healthz</c> (liveness: the actor system runs) and <c>GET /readyz</c> (this node is an Up member,
/// the journal answers, the cluster singletons answer, ingestion can accept), as ASP.NET Core health checks.
/// Both answer JSON with one entry per check; 200 when healthy or degraded, 503 otherwise. They reveal no
/// data: statuses and short reasons only, so they may stay open to probes when the API requires a login.
/// </summary>
public static class NodeHealth
{
    private const string Live = "live";
    private const string Ready = "ready";
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static IServiceCollection AddNodeHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ActorSystemCheck>("actor-system", tags: [Live, Ready])
            .AddCheck<ClusterMemberCheck>("cluster-member", tags: [Ready])
            .AddCheck<JournalCheck>("journal", tags: [Ready])
            .AddCheck<SingletonsCheck>("singletons", tags: [Ready])
            .AddCheck<IngestionCheck>("ingestion", tags: [Ready]);
        return services;
    }

    public static void MapNodeHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Live), ResponseWriter = WriteJson });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteJson });
    }

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        }));
    }

    private sealed class ActorSystemCheck(ActorSystem system) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) => Task.FromResult(
            system.WhenTerminated.IsCompleted
                ? HealthCheckResult.Unhealthy("actor system: terminated")
                : HealthCheckResult.Healthy($"actor system {system.Name} running"));
    }

    private sealed class ClusterMemberCheck(ActorSystem system) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            var self = Akka.Cluster.Cluster.Get(system).SelfMember;
            return Task.FromResult(self.Status == MemberStatus.Up
                ? HealthCheckResult.Healthy($"{self.Address} is Up")
                : HealthCheckResult.Unhealthy($"cluster member: {self.Address} is {self.Status}, not Up"));
        }
    }

    private sealed class JournalCheck(JournalHealth journal) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
            await journal.CheckAsync(CheckTimeout, ct) is { } problem
                ? HealthCheckResult.Unhealthy(problem)
                : HealthCheckResult.Healthy("journal database answers");
    }

    /// <summary>
    /// The singletons run where the proxies look for them: on the oldest Up member with the payments role, each as the
    /// child of its manager there. Located by <see cref="Identify"/> (answered by the actor cell, so a singleton busy
    /// persisting still answers at once), not by a query that would wait behind its work.
    /// </summary>
    private sealed class SingletonsCheck(ActorSystem system) : IHealthCheck
    {
        private static readonly string[] Names = ["window-collector", "alert-collector", "risk-rules"];

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            var state = Akka.Cluster.Cluster.Get(system).State;
            var oldest = state.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(PaymentsHosting.NodeRole))
                .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();
            if (oldest is null)
            {
                return HealthCheckResult.Unhealthy("singletons: no Up member with the payments role to host them");
            }

            if (state.Unreachable.Contains(oldest))
            {
                return HealthCheckResult.Unhealthy($"singletons: their host {oldest.Address} is unreachable");
            }

            var missing = new List<string>();
            foreach (var name in Names)
            {
                try
                {
                    var identity = await system.ActorSelection($"{oldest.Address}/user/{name}/*").Ask<ActorIdentity>(new Identify(name), CheckTimeout, ct);
                    if (identity.Subject is null)
                    {
                        missing.Add(name);
                    }
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    missing.Add(name + " (no answer within " + CheckTimeout.TotalSeconds + " s)");
                }
            }

            return missing.Count == 0
                ? HealthCheckResult.Healthy($"{string.Join(", ", Names)} run on {oldest.Address}")
                : HealthCheckResult.Unhealthy($"singletons: not located on {oldest.Address}: {string.Join(", ", missing)}");
        }
    }

    private sealed class IngestionCheck(ActorRegistry registry, IngestGate gate) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            if (!registry.TryGet<AccountRegion>(out _))
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("ingestion: the account region has not started"));
            }

            // Saturation is momentary backpressure (429 + Retry-After), not a reason to take the node out of rotation.
            return Task.FromResult(gate.Active >= gate.MaxConcurrentRequests
                ? HealthCheckResult.Degraded($"ingestion: saturated, {gate.Active} of {gate.MaxConcurrentRequests} requests in progress")
                : HealthCheckResult.Healthy($"ingestion accepts ({gate.Active} of {gate.MaxConcurrentRequests} requests in progress)"));
        }
    }
}
