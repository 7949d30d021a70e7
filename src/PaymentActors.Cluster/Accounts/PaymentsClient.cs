using Akka.Actor;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Cluster.Accounts;

/// <summary>
/// Typed async façade over the account shard region (or a proxy to it from outside the cluster).
/// Every call is an <c>Ask</c>; an attempt that times out is retried with the same message (the transaction
/// id makes that safe: a transaction already applied answers with its original outcome). A message can be
/// lost in flight while a shard moves between nodes, so retrying is part of the contract, not an accident.
/// Only when every attempt times out does the call fail: the outcome is then unknown, and resubmitting
/// later with the same id is still safe.
/// </summary>
public sealed class PaymentsClient(IActorRef accountRegion, TimeSpan? attemptTimeout = null, int attempts = 3)
{
    private readonly TimeSpan _timeout = attemptTimeout ?? TimeSpan.FromSeconds(10);

    public IActorRef AccountRegion => accountRegion;

    public async Task<TransactionOutcome> SubmitAsync(TransactionRequest request, CancellationToken cancellationToken = default)
    {
        var (outcome, attempt) = await AskWithRetryAsync<TransactionOutcome>(new SubmitTransaction(request), cancellationToken);
        // A retry that finds our own earlier attempt applied reports the original outcome, not a duplicate of ours.
        return attempt > 1 && outcome.IsDuplicate ? outcome with { IsDuplicate = false } : outcome;
    }

    /// <summary>Submits several transactions of one account in one message and one journal write.</summary>
    public async Task<IReadOnlyList<TransactionOutcome>> SubmitBatchAsync(string accountId, IReadOnlyList<TransactionRequest> requests, CancellationToken cancellationToken = default)
    {
        var (reply, attempt) = await AskWithRetryAsync<TransactionBatchOutcome>(new SubmitTransactionBatch(accountId, requests), cancellationToken);
        return attempt == 1 ? reply.Outcomes : reply.Outcomes.Select(o => o.IsDuplicate ? o with { IsDuplicate = false } : o).ToList();
    }

    public async Task<AccountView> GetAccountAsync(string accountId, CancellationToken cancellationToken = default) =>
        (await AskWithRetryAsync<AccountView>(new GetAccount(accountId), cancellationToken)).Reply;

    public async Task<AccountOpenResult> OpenAccountAsync(string accountId, string currency, long overdraftLimitMinor = 0, long openingBalanceMinor = 0, CancellationToken cancellationToken = default) =>
        (await AskWithRetryAsync<AccountOpenResult>(new OpenAccount(accountId, currency, overdraftLimitMinor, openingBalanceMinor), cancellationToken)).Reply;

    private async Task<(T Reply, int Attempt)> AskWithRetryAsync<T>(IAccountCommand message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await accountRegion.Ask<T>(message, _timeout, cancellationToken), attempt);
            }
            catch (AskTimeoutException) when (attempt < attempts && !cancellationToken.IsCancellationRequested)
            {
                // unknown outcome: the same message again is idempotent
            }
        }
    }
}
