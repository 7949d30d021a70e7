using System.Runtime.Serialization;
using System.Text;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Ingestion;
using PaymentActors.Protocol.Risk;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Protocol.Serialization.Legacy;

/// <summary>
/// Decoder of format 1: the positional little-endian layout written before format 2 (Protocol Buffers), with no
/// field tags, strings length-prefixed UTF-8 and nullable values flagged. Journals and snapshots written then still
/// hold these payloads under these manifests, and <see cref="PaymentsSerializer"/> hands them here. Decode only:
/// nothing in a node writes format 1 any more (<see cref="FormatOneWriter"/> exists for tests and the benchmark).
/// </summary>
internal static class FormatOneReader
{
    // Events (persisted)
    public const string AccountOpenedManifest = "E1";
    public const string TransactionApprovedManifest = "E2";
    public const string TransactionDeclinedManifest = "E3";
    public const string TransferCreditedManifest = "E4";
    public const string TransferSettledManifest = "E5";
    public const string TransferReversedManifest = "E6";

    // Snapshots (persisted)
    public const string AccountSnapshotManifest = "S1";

    // Commands and replies (remote)
    public const string SubmitTransactionManifest = "C1";
    public const string SubmitTransactionBatchManifest = "C2";
    public const string OpenAccountManifest = "C3";
    public const string GetAccountManifest = "C4";
    public const string CreditTransferManifest = "C5";
    public const string TransferCreditResultManifest = "C6";
    public const string TransactionOutcomeManifest = "R1";
    public const string TransactionBatchOutcomeManifest = "R2";
    public const string AccountOpenResultManifest = "R3";
    public const string AccountViewManifest = "R4";

    // Transfer watch (remote): payer ↔ its transfer-watch entity
    public const string WatchTransfersManifest = "T1";
    public const string UnwatchTransfersManifest = "T2";
    public const string SettlePendingTransfersManifest = "T3";
    public const string PendingTransfersReportManifest = "T4";

    // Analytics (remote and persisted by the collector)
    public const string WindowPartialsManifest = "W1";
    public const string RetireWindowSourceManifest = "W2";
    public const string GetWindowResultsManifest = "W3";
    public const string WindowResultsManifest = "W4";
    public const string GetCollectorStatusManifest = "W5";
    public const string CollectorStatusManifest = "W6";
    public const string WindowPartialsAckManifest = "W7";
    public const string PartialsRecordedManifest = "WE1";
    public const string SourceRetiredManifest = "WE2";
    public const string ResultsEmittedManifest = "WE3";
    public const string CollectorSnapshotManifest = "WS1";

    // Ingestion (persisted)
    public const string IngestionOffsetCommittedManifest = "I1";

    // Risk (replicated, remote, persisted by the alert collector)
    public const string RuleSetDocumentManifest = "K1";
    public const string PutRiskRuleManifest = "K2";
    public const string DisableRiskRuleManifest = "K3";
    public const string GetRiskRulesManifest = "K4";
    public const string RiskRulesReplyManifest = "K5";
    public const string AlertRaisedManifest = "A1";
    public const string GetAlertsManifest = "A2";
    public const string AlertsReplyManifest = "A3";
    public const string AlertsSnapshotManifest = "A4";

    public static bool IsFormatOne(string manifest) => Manifests.Contains(manifest);

    private static readonly HashSet<string> Manifests = typeof(FormatOneReader)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    public static object Read(byte[] bytes, string manifest)
    {
        var r = new PayloadReader(bytes);
        return manifest switch
        {
            AccountOpenedManifest => new AccountOpened(r.String(), r.String(), r.Long(), r.Long(), r.Long()),
            TransactionApprovedManifest => new TransactionApproved(r.String(), (TransactionType)r.Byte(), r.Long(), r.NullableString(),
                r.Long(), r.ULong(), r.Bool(), r.Rules()),
            TransactionDeclinedManifest => new TransactionDeclined(r.String(), (TransactionType)r.Byte(), r.Long(), r.NullableString(),
                r.Long(), r.ULong(), (RejectCode)r.Byte(), r.String(), r.Rules()),
            TransferCreditedManifest => new TransferCredited(r.String(), r.String(), r.Long(), r.Long(), r.Long()),
            TransferSettledManifest => new TransferSettled(r.String()),
            TransferReversedManifest => new TransferReversed(r.String(), r.Long(), r.String()),
            AccountSnapshotManifest => ReadSnapshot(r),
            SubmitTransactionManifest => new SubmitTransaction(r.Request()),
            SubmitTransactionBatchManifest => ReadBatch(r),
            OpenAccountManifest => new OpenAccount(r.String(), r.String(), r.Long(), r.Long()),
            GetAccountManifest => new GetAccount(r.String()),
            CreditTransferManifest => new CreditTransfer(r.String(), r.String(), r.String(), r.Long(), r.String(), r.Long(), r.Long()),
            TransferCreditResultManifest => new TransferCreditResult(r.String(), r.String(), r.Bool(), r.NullableString()),
            TransactionOutcomeManifest => r.Outcome(),
            TransactionBatchOutcomeManifest => ReadBatchOutcome(r),
            AccountOpenResultManifest => new AccountOpenResult(r.String(), r.Bool(), r.NullableString()),
            AccountViewManifest => new AccountView(r.String(), r.Bool(), r.NullableString(), r.Long(), r.Long(), r.Long(), r.Int(), r.List(r.Recent)),
            WatchTransfersManifest => new WatchTransfers(r.String()),
            UnwatchTransfersManifest => new UnwatchTransfers(r.String()),
            SettlePendingTransfersManifest => new SettlePendingTransfers(r.String(), r.Long()),
            PendingTransfersReportManifest => new PendingTransfersReport(r.String(), r.Long(), r.Int()),
            WindowPartialsManifest => new WindowPartials(r.String(), r.List(r.Partial), r.Long(), r.Bool(), r.Long()),
            WindowPartialsAckManifest => new WindowPartialsAck(r.String(), r.Long()),
            RetireWindowSourceManifest => new RetireWindowSource(r.String()),
            GetWindowResultsManifest => new GetWindowResults(r.NullableString(), r.NullableString(), r.Long(), r.Long()),
            WindowResultsManifest => new WindowResults(r.List(r.Result)),
            GetCollectorStatusManifest => GetCollectorStatus.Instance,
            CollectorStatusManifest => new CollectorStatus(r.List(() => KeyValuePair.Create(r.String(), r.Long())).ToDictionary(),
                r.List(r.String), r.Long(), r.Int(), r.Int(), r.Long()),
            PartialsRecordedManifest => new PartialsRecorded(r.String(), r.List(r.Partial), r.Long(), r.Bool(), r.Long()),
            SourceRetiredManifest => new SourceRetired(r.String()),
            ResultsEmittedManifest => new ResultsEmitted(r.List(r.Result)),
            CollectorSnapshotManifest => new CollectorSnapshot(
                r.List(() => KeyValuePair.Create(r.String(), r.Long())).ToDictionary(),
                r.List(r.String),
                r.List(() => new CollectedWindow(r.String(), r.String(), r.Long(), r.Long(),
                    r.List(() => KeyValuePair.Create(r.String(), r.Stats())).ToDictionary(), r.Int(), r.Bool(), r.Bool() ? r.Result() : null)),
                r.List(r.String),
                r.List(() => KeyValuePair.Create(r.String(), r.Long())).ToDictionary()),
            IngestionOffsetCommittedManifest => new IngestionOffsetCommitted(r.Long()),
            RuleSetDocumentManifest => new RuleSetDocument(r.Long(), r.String()),
            PutRiskRuleManifest => new PutRiskRule(r.String()),
            DisableRiskRuleManifest => new DisableRiskRule(r.String()),
            GetRiskRulesManifest => GetRiskRules.Instance,
            RiskRulesReplyManifest => new RiskRulesReply(r.Bool(), r.NullableString(), r.Long(), r.String()),
            AlertRaisedManifest => new AlertRaised(r.Alert()),
            GetAlertsManifest => new GetAlerts(r.NullableString(), r.Long(), r.Long(), r.Int()),
            AlertsReplyManifest => new AlertsReply(r.List(r.Alert), r.Long()),
            AlertsSnapshotManifest => new AlertsSnapshot(r.List(r.Alert), r.Long()),
            _ => throw new SerializationException($"manifest: '{manifest}' is not a format-1 manifest"),
        };
    }

    // Arguments are evaluated left to right, in wire order.
    private static SubmitTransactionBatch ReadBatch(PayloadReader r)
    {
        var accountId = r.String();
        var correlationId = r.Long();
        return new SubmitTransactionBatch(accountId, r.List(r.Request), correlationId);
    }

    private static TransactionBatchOutcome ReadBatchOutcome(PayloadReader r)
    {
        var accountId = r.String();
        var correlationId = r.Long();
        return new TransactionBatchOutcome(accountId, r.List(r.Outcome), correlationId);
    }

    private static AccountSnapshot ReadSnapshot(PayloadReader r) => new(
        r.String(), r.NullableString(), r.Long(), r.Long(), r.Long(),
        r.List(() => new ProcessedEntry(r.String(), new ProcessedTransaction(r.ULong(), (TransactionStatus)r.Byte(), (RejectCode)r.Byte(),
            r.NullableString(), r.Long(), r.Rules()))),
        r.List(r.String),
        r.List(() => new PendingTransfer(r.String(), r.String(), r.Long(), r.String(), r.Long(), r.Long())),
        r.List(r.Recent),
        r.List(() => new IncomingTransfer(r.String(), r.String(), r.Long(), r.Long(), r.Long())),
        r.List(r.String));
}

/// <summary>Reader matching <see cref="PayloadWriter"/>; a truncated payload fails with a clear error.</summary>
internal sealed class PayloadReader(byte[] bytes)
{
    private int _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _position + count > bytes.Length)
        {
            throw new SerializationException($"payload: truncated at byte {_position} (wanted {count} more of {bytes.Length})");
        }

        var span = bytes.AsSpan(_position, count);
        _position += count;
        return span;
    }

    public byte Byte() => Take(1)[0];
    public bool Bool() => Byte() != 0;
    public int Int() => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public long Long() => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public ulong ULong() => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
    public string String() => Encoding.UTF8.GetString(Take(Int()));
    public string? NullableString() => Bool() ? String() : null;

    public IReadOnlyList<T> List<T>(Func<T> read)
    {
        var count = Int();
        if (count < 0 || count > bytes.Length)
        {
            throw new SerializationException($"payload: list length {count} is impossible");
        }

        var items = new T[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = read();
        }

        return items;
    }

    public IReadOnlyList<RuleHit> Rules() => List(() => new RuleHit(String(), Int(), String()));

    public TransactionRequest Request()
    {
        var id = String();
        var account = String();
        var type = (TransactionType)Byte();
        var amount = Long();
        var currency = String();
        var counterparty = NullableString();
        var eventTime = Long();
        long? opening = Bool() ? Long() : null;
        return new TransactionRequest(id, account, type, amount, currency, counterparty, eventTime, opening);
    }

    public TransactionOutcome Outcome() => new(String(), (TransactionStatus)Byte(), Bool(), (RejectCode)Byte(), NullableString(),
        Long(), NullableString(), Rules());

    public Alert Alert() => new(String(), String(), (TransactionType)Byte(), Long(), String(), Long(), (TransactionStatus)Byte(), Rules());

    public AmountStatsState Stats()
    {
        var count = Long();
        var sum = Long();
        var min = Long();
        var max = Long();
        var accuracy = BitConverter.Int64BitsToDouble(Long());
        var zero = Long();
        var sketchMin = Long();
        var sketchMax = Long();
        var first = Int();
        var n = Int();
        if (n < 0 || n > bytes.Length)
        {
            throw new SerializationException($"payload: bucket count {n} is impossible");
        }

        var buckets = new long[n];
        for (var i = 0; i < n; i++)
        {
            buckets[i] = Long();
        }

        return new AmountStatsState(count, sum, min, max, new AmountSketchState(accuracy, zero, sketchMin, sketchMax, first, buckets));
    }

    public PartialWindowResult Partial() => new(String(), String(), Long(), Long(), Stats());

    public WindowResult Result() => new(String(), String(), Long(), Long(), Int(), Stats());

    public RecentTransaction Recent() => new(String(), (TransactionType)Byte(), Long(), Long(), (TransactionStatus)Byte(), NullableString(), Long());
}
