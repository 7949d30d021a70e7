using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Cluster.Ingestion;

/// <param name="GroupSize">Transactions gathered before delivery (or whatever arrived within <see cref="GroupWindow"/>).</param>
/// <param name="Parallelism">Groups in flight at once. In flight is bounded by GroupSize × Parallelism, which must stay
/// well below the journal's buffer-size (5,000) or writes fail with "queue buffer was full".</param>
/// <param name="AskTimeout">How long to wait for one account's answer before retrying (same ids: safe).</param>
/// <param name="MaxAttempts">Attempts per account batch before the stream fails (it can be resumed from its offset).</param>
public sealed record DeliverySettings(
    int GroupSize = 512,
    TimeSpan? GroupWindow = null,
    int Parallelism = 4,
    TimeSpan? AskTimeout = null,
    int MaxAttempts = 5)
{
    public static readonly DeliverySettings Default = new();
    public TimeSpan Window => GroupWindow ?? TimeSpan.FromMilliseconds(5);
    public TimeSpan Timeout => AskTimeout ?? TimeSpan.FromSeconds(15);
}

/// <summary>
/// Delivers transactions to the sharded accounts with a bounded number in flight and emits each outcome
/// only once the account has persisted it: acknowledging upstream is safe from the moment an element
/// leaves this flow. Transactions of the same account in one group travel as one
/// <see cref="SubmitTransactionBatch"/> (one message, one journal write); outcomes keep input order.
/// </summary>
public static class LedgerDelivery
{
    public static Flow<TransactionRequest, TransactionOutcome, NotUsed> Flow(IActorRef accountRegion, DeliverySettings? settings = null)
    {
        var s = settings ?? DeliverySettings.Default;
        return Deliver<TransactionRequest, TransactionOutcome>(accountRegion, s, r => r, (_, o) => o);
    }

    /// <summary>Same as <see cref="Flow(IActorRef, DeliverySettings?)"/> for any element that carries a request; emits (element, outcome).</summary>
    public static Flow<T, TOut, NotUsed> Deliver<T, TOut>(IActorRef accountRegion, DeliverySettings settings, Func<T, TransactionRequest> request, Func<T, TransactionOutcome, TOut> combine) =>
        Akka.Streams.Dsl.Flow.Create<T>()
            .GroupedWithin(settings.GroupSize, settings.Window)
            .SelectAsync(settings.Parallelism, group => DeliverGroupAsync(accountRegion, settings, group.ToList(), request, combine))
            .SelectMany(outcomes => outcomes);

    private static async Task<IReadOnlyList<TOut>> DeliverGroupAsync<T, TOut>(
        IActorRef region, DeliverySettings settings, List<T> group, Func<T, TransactionRequest> request, Func<T, TransactionOutcome, TOut> combine)
    {
        // Split by account, keeping each account's order; positions map outcomes back to input order.
        var byAccount = new Dictionary<string, (List<TransactionRequest> Requests, List<int> Positions)>(StringComparer.Ordinal);
        for (var i = 0; i < group.Count; i++)
        {
            var r = request(group[i]);
            if (!byAccount.TryGetValue(r.AccountId, out var slot))
            {
                slot = ([], []);
                byAccount[r.AccountId] = slot;
            }

            slot.Requests.Add(r);
            slot.Positions.Add(i);
        }

        var results = new TOut[group.Count];
        var tasks = new List<Task>(byAccount.Count);
        foreach (var (accountId, slot) in byAccount)
        {
            tasks.Add(DeliverAccountAsync(region, settings, accountId, slot.Requests).ContinueWith(t =>
            {
                var outcomes = t.Result;
                for (var k = 0; k < outcomes.Count; k++)
                {
                    results[slot.Positions[k]] = combine(group[slot.Positions[k]], outcomes[k]);
                }
            }, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion));
        }

        await Task.WhenAll(tasks);
        return results;
    }

    private static async Task<IReadOnlyList<TransactionOutcome>> DeliverAccountAsync(
        IActorRef region, DeliverySettings settings, string accountId, List<TransactionRequest> requests)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                IReadOnlyList<TransactionOutcome> outcomes = requests.Count == 1
                    ? [await region.Ask<TransactionOutcome>(new SubmitTransaction(requests[0]), settings.Timeout)]
                    : (await region.Ask<TransactionBatchOutcome>(new SubmitTransactionBatch(accountId, requests), settings.Timeout)).Outcomes;
                // On a retry, our own earlier attempt may have been applied: that is its outcome, not a duplicate.
                return attempt == 1 ? outcomes : outcomes.Select(o => o.IsDuplicate ? o with { IsDuplicate = false } : o).ToList();
            }
            catch (AskTimeoutException) when (attempt < settings.MaxAttempts)
            {
                // Unknown outcome: resubmitting the same ids is idempotent.
            }
        }
    }
}
