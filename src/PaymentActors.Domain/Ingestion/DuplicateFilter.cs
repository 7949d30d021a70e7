namespace PaymentActors.Domain.Ingestion;

/// <summary>
/// Drops exact duplicate records seen within the last <c>capacity</c> records, oldest forgotten first.
/// A record with its own id is a duplicate when id and body repeat; a record whose id was derived (its
/// position is part of the id) is a duplicate when its content repeats: same body, time and opening balance. A duplicate that slips past (older than the window) is still caught
/// by the account's idempotency memory: it is counted as a duplicate there, never applied twice.
/// </summary>
public sealed class DuplicateFilter(int capacity = 1_000_000)
{
    private readonly HashSet<(string Id, ulong Body)> _seen = [];
    private readonly Queue<(string Id, ulong Body)> _order = new();

    /// <summary>True when the record was seen before (and is to be dropped as a duplicate).</summary>
    public bool IsDuplicate(NormalisedTransaction t)
    {
        var r = t.Request;
        var key = t.Filled.HasFlag(FilledFields.TransactionId)
            ? ("", r.Fingerprint() ^ (ulong)r.EventTimeMs * 31 ^ (ulong)(r.OpeningBalanceMinor ?? -1) * 1_000_003)
            : (r.TransactionId, r.Fingerprint());
        if (!_seen.Add(key))
        {
            return true;
        }

        _order.Enqueue(key);
        if (_order.Count > capacity)
        {
            _seen.Remove(_order.Dequeue());
        }

        return false;
    }
}
