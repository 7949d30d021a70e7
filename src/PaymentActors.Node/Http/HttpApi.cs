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
            return Results.Ok(new
            {
                view.AccountId,
                view.IsOpen,
                view.Currency,
                balanceMinor = view.BalanceMinor,
                overdraftLimitMinor = view.OverdraftLimitMinor,
                view.Version,
                view.PendingTransfers,
                recent = view.Recent.Select(r => new
                {
                    r.TransactionId,
                    type = r.Type.ToWire(),
                    amountMinor = r.AmountMinor,
                    deltaMinor = r.DeltaMinor,
                    status = r.Status.ToString(),
                    r.Counterparty,
                    eventTimeMs = r.EventTimeMs,
                }),
            });
        }).WithSummary("An account: balance, currency, version, pending transfers, recent transactions");

        app.MapGet("/windows", async (string? window, string? key, long? from, long? to, IRequiredActor<WindowCollector> collector, CancellationToken ct) =>
        {
            var results = await (await collector.GetAsync(ct)).Ask<WindowResults>(
                new GetWindowResults(window, key, from ?? long.MinValue, to ?? long.MaxValue), TimeSpan.FromSeconds(10), ct);
            return Results.Ok(results.Results.Select(WindowResultView.Of));
        }).WithSummary("Final window results (at most 2,000; narrow by window, key prefix and time)");

        app.MapGet("/alerts", async (string? account, long? from, long? to, int? limit, IRequiredActor<AlertCollector> alerts, CancellationToken ct) =>
        {
            var reply = await (await alerts.GetAsync(ct)).Ask<AlertsReply>(
                new GetAlerts(account, from ?? long.MinValue, to ?? long.MaxValue, Math.Clamp(limit ?? 100, 1, 10_000)), TimeSpan.FromSeconds(10), ct);
            return Results.Ok(new
            {
                total = reply.Total,
                alerts = reply.Alerts.Select(a => new
                {
                    id = a.TransactionId, account = a.AccountId, type = a.Type.ToWire(), amountMinor = a.AmountMinor, currency = a.Currency,
                    eventTimeMs = a.EventTimeMs, decision = a.Status == Domain.Accounts.TransactionStatus.Flagged ? "flag" : "decline",
                    rules = a.Rules.Select(r => r.ToString()),
                }),
            });
        }).WithSummary("Risk alerts, newest first");

        app.MapGet("/windows/status", async (IRequiredActor<WindowCollector> collector, CancellationToken ct) =>
            Results.Ok(await (await collector.GetAsync(ct)).Ask<CollectorStatus>(GetCollectorStatus.Instance, TimeSpan.FromSeconds(10), ct)))
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

/// <summary>A window result as JSON: amounts in minor units of the currency that ends the key.</summary>
public sealed record WindowResultView(string Window, string Key, long Start, long End, int Revision, long Count, long SumMinor,
    long MinMinor, long MaxMinor, long MeanMinor, long P50Minor, long P95Minor, long P99Minor)
{
    public static WindowResultView Of(WindowResult r) => new(r.Window, r.Key, r.Start, r.End, r.Revision, r.Count, r.Sum, r.Min, r.Max,
        r.Mean, r.Quantile(0.5), r.Quantile(0.95), r.Quantile(0.99));
}
