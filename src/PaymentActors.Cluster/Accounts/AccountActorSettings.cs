using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Cluster.Accounts;

/// <param name="SnapshotEvery">Save a snapshot after this many events; older snapshots are deleted.</param>
/// <param name="IdleTimeout">Passivate after this long without a message, unless a transfer is still pending.</param>
/// <param name="TransferRedeliveryInterval">Resend unanswered transfer credits this often.</param>
/// <param name="EventTime">
/// The node's event-time bounds, checked by every account for every new transaction (so a path that bypasses the entry
/// points' check, such as a <c>PaymentsClient</c> inside the cluster, cannot apply a year-9999 record); null: none.
/// </param>
/// <param name="CompactAfterIdle">
/// After this long without a message (and nothing in flight) a loaded account keeps one copy of its state instead of two
/// (decided and durable); the second is made again from the first on the next command that persists.
/// </param>
public sealed record AccountActorSettings(
    AccountPolicy Policy,
    int SnapshotEvery = 1000,
    TimeSpan? IdleTimeout = null,
    TimeSpan? TransferRedeliveryInterval = null,
    TimeSpan? CompactAfterIdle = null,
    EventTimeBounds? EventTime = null)
{
    public static readonly AccountActorSettings Default = new(AccountPolicy.Default);

    public TimeSpan Idle => IdleTimeout ?? TimeSpan.FromMinutes(2);
    public TimeSpan Redelivery => TransferRedeliveryInterval ?? TimeSpan.FromSeconds(1);
    public TimeSpan CompactAfter => CompactAfterIdle ?? TimeSpan.FromSeconds(5);
}
