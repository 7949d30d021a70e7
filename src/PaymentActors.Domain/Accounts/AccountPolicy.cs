namespace PaymentActors.Domain.Accounts;

/// <summary>Per-node account settings.</summary>
/// <param name="DefaultOverdraftLimitMinor">Overdraft given to an account opened implicitly by its first transaction.</param>
/// <param name="DedupeRetention">
/// How many of an account's most recent transaction ids (and, separately, incoming transfer ids) are
/// remembered for idempotency. A resubmission is recognised as long as its id is among the account's
/// last <c>DedupeRetention</c> transactions; older ids fall out oldest first. The memory is part of the
/// snapshot, so it survives restarts.
/// </param>
/// <param name="RecentCount">How many recent transactions an account keeps for queries and risk rules.</param>
public sealed record AccountPolicy(long DefaultOverdraftLimitMinor = 0, int DedupeRetention = 10_000, int RecentCount = 32)
{
    public static readonly AccountPolicy Default = new();
}
