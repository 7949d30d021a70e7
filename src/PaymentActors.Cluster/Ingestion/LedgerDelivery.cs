using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Cluster.Ingestion;

/// <param name="GroupSize">Most transactions sent together: while the delivery stage cannot take more, what arrives is
/// gathered (up to this many) and sent as one group, with one message per account in it. Nothing waits to fill a group.</param>
/// <param name="Parallelism">Groups' worth in flight: at most <see cref="MaxInFlight"/> (GroupSize × Parallelism)
/// transactions are taken and not yet emitted. That must stay well below the journal's
/// buffer-size (20,000 here; 5,000 by default) or writes fail with "queue buffer was full".</param>
/// <param name="AskTimeout">How long to wait for one account's answer before resending (same ids: safe).</param>
/// <param name="MaxAttempts">Sends per account batch before the stream fails (it can be resumed from its offset).</param>
public sealed record DeliverySettings(
    int GroupSize = 512,
    int Parallelism = 4,
    TimeSpan? AskTimeout = null,
    int MaxAttempts = 5)
{
    public static readonly DeliverySettings Default = new();
    public long MaxInFlight => (long)GroupSize * Parallelism;
    public TimeSpan Timeout => AskTimeout ?? TimeSpan.FromSeconds(15);
}

/// <summary>
/// Delivers transactions to the sharded accounts with a bounded number in flight and emits each outcome
/// only once the account has persisted it: acknowledging upstream is safe from the moment an element
/// leaves this flow. Transactions of the same account in one group travel as one
/// <see cref="Protocol.Accounts.SubmitTransactionBatch"/> (one message, one journal write); outcomes keep
/// input order. Answers are correlated by the stage itself (<see cref="AccountDeliveryStage{T,TOut}"/>), not
/// by an ask per account batch.
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
            // Gathers only while the stage is not pulling: an idle stage gets each transaction at once.
            .Batch(settings.GroupSize, item => new List<T>(4) { item }, (group, item) =>
            {
                group.Add(item);
                return group;
            })
            .Via(new AccountDeliveryStage<T, TOut>(accountRegion, settings, request, combine))
            .SelectMany(outcomes => outcomes);
}
