using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Cluster.Ingestion;

/// <param name="GroupSize">Transactions gathered before delivery (or whatever arrived within <see cref="GroupWindow"/>).</param>
/// <param name="Parallelism">Groups in flight at once. In flight is bounded by GroupSize × Parallelism, which must stay
/// well below the journal's buffer-size (5,000) or writes fail with "queue buffer was full".</param>
/// <param name="AskTimeout">How long to wait for one account's answer before resending (same ids: safe).</param>
/// <param name="MaxAttempts">Sends per account batch before the stream fails (it can be resumed from its offset).</param>
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
            .GroupedWithin(settings.GroupSize, settings.Window)
            .Via(new AccountDeliveryStage<T, TOut>(accountRegion, settings, request, combine))
            .SelectMany(outcomes => outcomes);
}
