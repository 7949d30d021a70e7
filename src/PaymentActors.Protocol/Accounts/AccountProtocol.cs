using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Protocol.Accounts;

/// <summary>Marker for every message bound to <see cref="Serialization.PaymentsSerializer"/>.</summary>
public interface IPaymentsMessage;

/// <summary>Routing: the shard extractor hashes <see cref="AccountId"/> and nothing else.</summary>
public interface IWithAccountId
{
    string AccountId { get; }
}

/// <summary>A message addressed to one account entity.</summary>
public interface IAccountCommand : IWithAccountId, IPaymentsMessage;

/// <summary>Submit one transaction. Reply: <see cref="TransactionOutcome"/>, sent only once it is durable.</summary>
public sealed record SubmitTransaction(TransactionRequest Request) : IAccountCommand
{
    public string AccountId => Request.AccountId;
}

/// <summary>
/// Several transactions for the same account in one message: decided in order and persisted in one
/// journal write. Reply: <see cref="TransactionBatchOutcome"/> with one outcome per request, in order,
/// carrying the same <paramref name="CorrelationId"/> so a sender with many batches in flight can match
/// answers without an ask (and a temporary actor) per batch.
/// </summary>
/// <param name="CountedBySender">The sender (an ingestion pipeline) counts these decisions in its node's windows itself;
/// otherwise the account's node counts them once durable.</param>
public sealed record SubmitTransactionBatch(string AccountId, IReadOnlyList<TransactionRequest> Requests, long CorrelationId = 0, bool CountedBySender = false)
    : IAccountCommand;

public sealed record TransactionBatchOutcome(string AccountId, IReadOnlyList<TransactionOutcome> Outcomes, long CorrelationId = 0) : IPaymentsMessage;

/// <summary>Open an account explicitly. Reply: <see cref="AccountOpenResult"/>.</summary>
public sealed record OpenAccount(string AccountId, string Currency, long OverdraftLimitMinor, long OpeningBalanceMinor) : IAccountCommand;

public sealed record AccountOpenResult(string AccountId, bool Succeeded, string? Reason) : IPaymentsMessage;

/// <summary>Read an account. Reply: <see cref="AccountView"/> reflecting only durable state.</summary>
public sealed record GetAccount(string AccountId) : IAccountCommand;

/// <summary>Payer → payee (through the shard region): credit a transfer. Redelivered until answered.</summary>
public sealed record CreditTransfer(
    string AccountId,
    string TransferId,
    string PayerId,
    long AmountMinor,
    string Currency,
    long EventTimeMs,
    long PayerBalanceBeforeMinor) : IAccountCommand;

/// <summary>Payee → payer (through the shard region): the answer to <see cref="CreditTransfer"/>, sent once the credit is durable.</summary>
public sealed record TransferCreditResult(string AccountId, string TransferId, bool Credited, string? Reason) : IAccountCommand;
