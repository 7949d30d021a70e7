using Akka.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Cluster.Security;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Node.Http;

/// <summary>
/// Risk rules over HTTP (admin role, see Security/HttpSecurity): GET /rules, PUT /rules (one rule as JSON,
/// docs/RISK.md), POST /rules/{id}/disable, GET /rules/audit. A change answers with how many nodes have it in force.
/// The author of a change is the authenticated principal (the API key's name, <c>key:admin</c>, or the JWT subject); on a
/// secured node the node signs the change with its own certificate, vouching for that principal to the rules singleton.
/// </summary>
public static class RulesEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/rules", async (IRequiredActor<RiskRulesAdmin> admin, CancellationToken ct) =>
        {
            var reply = await Client(await admin.GetAsync(ct)).GetRulesAsync(ct);
            return Results.Ok(new { version = reply.Version, rules = System.Text.Json.JsonDocument.Parse(reply.Json).RootElement });
        }).WithSummary("The risk rule set in force, with its version (admin)");
        app.MapPut("/rules", async (HttpContext context, PaymentsNodeSettings node, IRequiredActor<RiskRulesAdmin> admin, CancellationToken ct) =>
        {
            var json = await new StreamReader(context.Request.Body).ReadToEndAsync(ct);
            return Answer(await Client(await admin.GetAsync(ct)).ChangeAsync(RuleChangeSigning.Put(node.Tls, json, Author(context)), ct));
        }).WithSummary("Add or replace one rule (JSON body, docs/RISK.md); answers how many nodes have it in force (admin)");
        app.MapPost("/rules/{id}/disable", async (string id, HttpContext context, PaymentsNodeSettings node, IRequiredActor<RiskRulesAdmin> admin,
                CancellationToken ct) =>
            Answer(await Client(await admin.GetAsync(ct)).ChangeAsync(RuleChangeSigning.Disable(node.Tls, id, Author(context)), ct)))
            .WithSummary("Disable one rule; answers how many nodes have the change in force (admin)");
        app.MapGet("/rules/audit", async (int? limit, IRequiredActor<RiskRulesAdmin> admin, CancellationToken ct) =>
        {
            var reply = await Client(await admin.GetAsync(ct)).GetAuditAsync(Math.Clamp(limit ?? 100, 1, 10_000), ct);
            return Results.Text(reply.JsonLines, "application/x-ndjson");
        }).WithSummary("The audit log of rule changes: who, when, the rule, versions before and after, nodes reached (admin)");
    }

    private static RiskClient Client(Akka.Actor.IActorRef admin) => new(admin, Akka.Actor.ActorRefs.Nobody);

    private static string Author(HttpContext context) => context.User.Identity?.Name ?? "anonymous (insecure node)";

    private static IResult Answer(RiskRulesReply reply) => reply.Succeeded
        ? Results.Ok(new
        {
            applied = true, version = reply.Version, appliedOn = reply.AppliedOn, nodes = reply.Nodes,
            rules = System.Text.Json.JsonDocument.Parse(reply.Json).RootElement,
        })
        : Results.BadRequest(new { applied = false, error = reply.Error, version = reply.Version });
}
