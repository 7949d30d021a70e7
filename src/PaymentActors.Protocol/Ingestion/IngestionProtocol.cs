using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Protocol.Ingestion;

/// <summary>Persisted by an ingestion source's offset store: everything up to Offset is durably decided.</summary>
public sealed record IngestionOffsetCommitted(long Offset) : IPaymentsMessage;
