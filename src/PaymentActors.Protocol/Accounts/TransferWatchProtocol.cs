namespace PaymentActors.Protocol.Accounts;

/// <summary>
/// A message for the <c>transfer-watch</c> entity of a payer. <see cref="IWithAccountId.AccountId"/> is the
/// payer's id, so the account extractor routes it to the same shard id as the payer's account.
/// </summary>
public interface ITransferWatchCommand : IWithAccountId, IPaymentsMessage;

/// <summary>Payer → its watch: my outbox is not empty (sent when it stops being empty, and again on every redelivery round).</summary>
public sealed record WatchTransfers(string AccountId) : ITransferWatchCommand;

/// <summary>
/// Payer → its watch: my outbox has just become empty. A hint only: the watch stops once the payer answers
/// a <see cref="SettlePendingTransfers"/> it sent afterwards with <see cref="PendingTransfersReport.Pending"/> = 0.
/// </summary>
public sealed record UnwatchTransfers(string AccountId) : ITransferWatchCommand;

/// <summary>
/// Watch → payer (through the account region): wake up if you are not running (recovery resends the outbox)
/// and report how many transfers are still pending. <see cref="Probe"/> is echoed in the report.
/// </summary>
public sealed record SettlePendingTransfers(string AccountId, long Probe) : IAccountCommand;

/// <summary>Payer → its watch: the answer to <see cref="SettlePendingTransfers"/>; <see cref="Pending"/> counts transfers debited or being debited and not yet settled.</summary>
public sealed record PendingTransfersReport(string AccountId, long Probe, int Pending) : ITransferWatchCommand;
