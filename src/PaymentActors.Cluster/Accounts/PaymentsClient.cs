using Akka.Actor;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Cluster.Accounts;

/// <summary>
/// Typed async façade over the account shard region (or a proxy to it from outside the cluster).
/// Every call is an <c>Ask</c> with a timeout; a timeout means "unknown": the transaction may or may not
/// have been applied, and resubmitting it with the same id is always safe.
/// </summary>
public sealed class PaymentsClient(IActorRef accountRegion, TimeSpan? defaultTimeout = null)
{
    private readonly TimeSpan _timeout = defaultTimeout ?? TimeSpan.FromSeconds(10);

    public IActorRef AccountRegion => accountRegion;

    public Task<TransactionOutcome> SubmitAsync(TransactionRequest request, CancellationToken cancellationToken = default) =>
        accountRegion.Ask<TransactionOutcome>(new SubmitTransaction(request), _timeout, cancellationToken);

    /// <summary>Submits several transactions of one account in one message and one journal write.</summary>
    public async Task<IReadOnlyList<TransactionOutcome>> SubmitBatchAsync(string accountId, IReadOnlyList<TransactionRequest> requests, CancellationToken cancellationToken = default)
    {
        var reply = await accountRegion.Ask<TransactionBatchOutcome>(new SubmitTransactionBatch(accountId, requests), _timeout, cancellationToken);
        return reply.Outcomes;
    }

    public Task<AccountView> GetAccountAsync(string accountId, CancellationToken cancellationToken = default) =>
        accountRegion.Ask<AccountView>(new GetAccount(accountId), _timeout, cancellationToken);

    public Task<AccountOpenResult> OpenAccountAsync(string accountId, string currency, long overdraftLimitMinor = 0, long openingBalanceMinor = 0, CancellationToken cancellationToken = default) =>
        accountRegion.Ask<AccountOpenResult>(new OpenAccount(accountId, currency, overdraftLimitMinor, openingBalanceMinor), _timeout, cancellationToken);
}
