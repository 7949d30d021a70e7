using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Ingestion;

/// <summary>
/// A batch of requests for one account sorted by <see cref="EventTimeBounds"/> at an entry point that is not a parser
/// (the client gateway): the requests that may go on to the account, and a Rejected outcome for each refused one, so
/// the answer to the whole batch keeps the requests' order.
/// </summary>
public sealed class EventTimeScreen
{
    private readonly TransactionOutcome?[] _refused;

    private EventTimeScreen(IReadOnlyList<TransactionRequest> accepted, TransactionOutcome?[] refused)
    {
        Accepted = accepted;
        _refused = refused;
    }

    /// <summary>The requests to send on, in their order.</summary>
    public IReadOnlyList<TransactionRequest> Accepted { get; }

    public bool AnyRefused => Accepted.Count < _refused.Length;

    public static EventTimeScreen Of(IReadOnlyList<TransactionRequest> requests, EventTimeBounds bounds)
    {
        var accepted = new List<TransactionRequest>(requests.Count);
        var refused = new TransactionOutcome?[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            if (bounds.Check(requests[i].EventTimeMs) is { } reason)
            {
                refused[i] = Refused(requests[i], reason);
            }
            else
            {
                accepted.Add(requests[i]);
            }
        }

        return new EventTimeScreen(accepted, refused);
    }

    /// <summary>
    /// The Rejected outcome of a request refused before it reached its account (nothing persisted, nothing remembered,
    /// as for any invalid field). The entry point has not read the account: balance 0, no currency.
    /// </summary>
    public static TransactionOutcome Refused(TransactionRequest request, string reason) =>
        TransactionOutcome.Rejected(request.TransactionId, new RejectReason(RejectCode.InvalidField, reason), 0, null);

    /// <summary>One outcome per request of the batch, in order: the refused ones and, between them, the account's outcomes of <see cref="Accepted"/>.</summary>
    public IReadOnlyList<TransactionOutcome> Merge(IReadOnlyList<TransactionOutcome> acceptedOutcomes)
    {
        if (acceptedOutcomes.Count != Accepted.Count)
        {
            throw new ArgumentException($"outcomes: {acceptedOutcomes.Count} for {Accepted.Count} accepted requests", nameof(acceptedOutcomes));
        }

        var merged = new TransactionOutcome[_refused.Length];
        var next = 0;
        for (var i = 0; i < merged.Length; i++)
        {
            merged[i] = _refused[i] ?? acceptedOutcomes[next++];
        }

        return merged;
    }
}
