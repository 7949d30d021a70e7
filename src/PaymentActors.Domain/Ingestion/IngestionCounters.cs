namespace PaymentActors.Domain.Ingestion;

/// <summary>
/// Run counters, safe to read while the run goes on. The accounting identity: every record read is
/// accepted (decided by its account: approved, flagged or declined), rejected (dead letter, or refused by
/// the account as invalid or conflicting), or a duplicate (in the input, or already applied).
/// </summary>
public sealed class IngestionCounters
{
    private long _read;
    private long _approved;
    private long _flagged;
    private long _declined;
    private long _rejected;
    private long _duplicates;
    private long _skipped;

    public long Read => Interlocked.Read(ref _read);
    public long Approved => Interlocked.Read(ref _approved);
    public long Flagged => Interlocked.Read(ref _flagged);
    public long Declined => Interlocked.Read(ref _declined);
    public long Accepted => Approved + Flagged + Declined;
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Headers and blank lines: not records, not in the identity.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public bool IdentityHolds => Unanswered == 0;

    /// <summary>Read and not yet answered: in flight while the run goes on; after a stop, records a later run resends.</summary>
    public long Unanswered => Read - (Accepted + Rejected + Duplicates);

    public void OnRead() => Interlocked.Increment(ref _read);
    public void OnSkipped() => Interlocked.Increment(ref _skipped);
    public void OnRejected() => Interlocked.Increment(ref _rejected);
    public void OnDuplicate() => Interlocked.Increment(ref _duplicates);

    public void OnOutcome(Accounts.TransactionOutcome outcome)
    {
        if (outcome.IsDuplicate)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        switch (outcome.Status)
        {
            case Accounts.TransactionStatus.Approved:
                Interlocked.Increment(ref _approved);
                break;
            case Accounts.TransactionStatus.Flagged:
                Interlocked.Increment(ref _flagged);
                break;
            case Accounts.TransactionStatus.Declined:
                Interlocked.Increment(ref _declined);
                break;
            default:
                Interlocked.Increment(ref _rejected);
                break;
        }
    }
}
