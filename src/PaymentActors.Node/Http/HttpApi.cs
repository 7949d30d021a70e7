using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Node.Dashboard;
using PaymentActors.Node.Observability;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Node.Http;

/// <summary>HTTP mirror of the ask API. JSON in and out; documented in the README.</summary>
public static class HttpApi
{
    /// <summary>
    /// Every endpoint of the node. The API, the dashboard, the metrics and the OpenAPI document are mapped in one
    /// route group, so an authorization policy (the <c>read</c> role) attaches in one place; the health probes stay
    /// outside it (they reveal statuses only).
    /// </summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapNodeHealth();
        var api = app.MapGroup("");
        MapApi(api);
        api.MapNodeMetrics();
        api.MapDashboard();
        api.MapOpenApi();
    }

    /// <summary>The same request with <c>offset</c> advanced: the address of the next page.</summary>
    private static string NextPage(HttpRequest request, int offset)
    {
        var query = request.Query.Where(p => p.Key != "offset").Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value.ToString())}")
            .Append($"offset={offset}");
        return $"{request.PathBase}{request.Path}?{string.Join('&', query)}";
    }

    private static void MapApi(RouteGroupBuilder app)
    {
        IngestEndpoint.Map(app);
        app.MapGet("/accounts/{id}", async (string id, IRequiredActor<AccountRegion> region, CancellationToken ct) =>
        {
            if (!TransactionValidation.TryValidateId(id, "id", out var error))
            {
                return Results.BadRequest(new { error });
            }

            var client = new PaymentsClient(await region.GetAsync(ct));
            var view = await client.GetAccountAsync(id, ct);
            return Results.Ok(ApiJson.Account(view));
        }).WithSummary("An account: balance, currency, version, pending transfers, recent transactions");

        app.MapGet("/windows", async (HttpRequest request, string? window, string? key, long? from, long? to, int? limit, int? offset,
            IRequiredActor<WindowCollector> collector, CancellationToken ct) =>
        {
            if (limit is < 1 or > WindowCollectorActor.DefaultMaxResults)
            {
                return Results.BadRequest(new { error = $"limit: {limit} is not from 1 to {WindowCollectorActor.DefaultMaxResults}" });
            }

            if (offset is < 0)
            {
                return Results.BadRequest(new { error = $"offset: {offset} must not be negative" });
            }

            var page = await (await collector.GetAsync(ct)).Ask<WindowResults>(
                new GetWindowResults(window, key, from ?? long.MinValue, to ?? long.MaxValue, offset ?? 0, limit ?? 0), TimeSpan.FromSeconds(10), ct);
            var next = page.Truncated ? NextPage(request, (offset ?? 0) + page.Results.Count) : null;
            return Results.Ok(new { results = page.Results.Select(WindowResultView.Of), truncated = page.Truncated, next });
        }).WithSummary("Final window results, a page at a time (limit at most 2,000); truncated and next say when more follow");

        app.MapGet("/alerts", async (string? account, long? from, long? to, int? limit, IRequiredActor<AlertCollector> alerts, CancellationToken ct) =>
        {
            var reply = await (await alerts.GetAsync(ct)).Ask<AlertsReply>(
                new GetAlerts(account, from ?? long.MinValue, to ?? long.MaxValue, Math.Clamp(limit ?? 100, 1, 10_000)), TimeSpan.FromSeconds(10), ct);
            return Results.Ok(new
            {
                total = reply.Total,
                alerts = reply.Alerts.Select(AlertView.Of),
            });
        }).WithSummary("Risk alerts, newest first");

        app.MapGet("/windows/status", async (IRequiredActor<WindowCollector> collector, CancellationToken ct) =>
            Results.Ok(CollectorStatusView.Of(await (await collector.GetAsync(ct)).Ask<CollectorStatus>(GetCollectorStatus.Instance, TimeSpan.FromSeconds(10), ct))))
            .WithSummary("The window collector: watermark per source, min watermark, open and kept windows");

        app.MapGet("/cluster", (ActorSystem system) =>
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            var state = cluster.State;
            return Results.Ok(new
            {
                self = cluster.SelfAddress.ToString(),
                leader = state.Leader?.ToString(),
                members = state.Members.Select(m => new { address = m.Address.ToString(), status = m.Status.ToString(), roles = m.Roles }),
                unreachable = state.Unreachable.Select(m => m.Address.ToString()),
            });
        }).WithSummary("Cluster members with status and roles, leader, unreachable members");

        // Shard allocation as this node last read it, and where the messages its ingestion sent went (was /metrics).
        app.MapGet("/cluster/shards", (ShardLocality locality) => Results.Ok(locality.Read()))
            .WithSummary("The account shard allocation as this node last read it, and where its ingest deliveries went");
    }
}

/// <summary>The collector's progress as JSON: a watermark not yet set (no event seen) is null, not the smallest long.</summary>
public sealed record CollectorStatusView(IReadOnlyDictionary<string, long?> Watermarks, IReadOnlyList<string> RetiredSources, long? MinWatermark,
    int OpenWindows, int KeptWindows, long ResultsEmitted)
{
    public static CollectorStatusView Of(CollectorStatus s) => new(s.Watermarks.ToDictionary(w => w.Key, w => Watermark(w.Value)), s.RetiredSources,
        Watermark(s.MinWatermark), s.OpenWindows, s.KeptWindows, s.ResultsEmitted);

    private static long? Watermark(long value) => value == long.MinValue ? null : value;
}

/// <summary>A window result as JSON: amounts in minor units of the currency that ends the key.</summary>
public sealed record WindowResultView(string Window, string Key, long Start, long End, int Revision, long Count, long SumMinor,
    long MinMinor, long MaxMinor, long MeanMinor, long P50Minor, long P95Minor, long P99Minor)
{
    public static WindowResultView Of(WindowResult r)
    {
        var (p50, p95, p99) = r.Percentiles();
        return new(r.Window, r.Key, r.Start, r.End, r.Revision, r.Count, r.Sum, r.Min, r.Max, r.Mean, p50, p95, p99);
    }
}
