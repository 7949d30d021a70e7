using System.Text.Json.Serialization;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>
/// An alert as every output spells it: <c>GET /alerts</c>, <c>query alerts</c>, <c>alerts.jsonl</c> and the dashboard.
/// The names are the HTTP API's (<c>transactionId</c>, <c>accountId</c>, <c>eventTimeMs</c>), the type as POST /transactions
/// takes it (<c>CASH_OUT</c>), the status as it answers it (<c>Flagged</c>, <c>Declined</c>).
/// </summary>
public sealed record AlertView(
    [property: JsonPropertyName("transactionId")] string TransactionId,
    [property: JsonPropertyName("accountId")] string AccountId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("amountMinor")] long AmountMinor,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("eventTimeMs")] long EventTimeMs,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("rules")] IReadOnlyList<string> Rules)
{
    public static AlertView Of(Alert a) => new(a.TransactionId, a.AccountId, a.Type.ToWire(), a.AmountMinor, a.Currency, a.EventTimeMs,
        a.Status.ToString(), a.Rules.Select(r => r.ToString()).ToArray());
}
