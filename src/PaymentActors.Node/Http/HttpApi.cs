using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Node.Http;

/// <summary>HTTP mirror of the ask API. JSON in and out; documented in the README.</summary>
public static class HttpApi
{
    public static void Map(WebApplication app)
    {
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
        });

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
        });
    }
}
