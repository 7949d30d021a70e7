using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Ingestion;
using PaymentActors.Protocol.Risk;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Protocol.Serialization;

/// <summary>
/// Compact binary serializer for every persisted event, snapshot and remote message of PaymentActors.
/// Manifests are short and fixed: renaming a type never breaks stored data; changing a layout needs a
/// new manifest. Layouts are little-endian, strings length-prefixed UTF-8, nullable values flagged.
/// </summary>
public sealed class PaymentsSerializer : SerializerWithStringManifest
{
    /// <summary>Identifier stored beside every payload; must never change (ids below 100 are Akka's).</summary>
    public const int Id = 4711;

    // Events (persisted)
    internal const string AccountOpenedManifest = "E1";
    internal const string TransactionApprovedManifest = "E2";
    internal const string TransactionDeclinedManifest = "E3";
    internal const string TransferCreditedManifest = "E4";
    internal const string TransferSettledManifest = "E5";
    internal const string TransferReversedManifest = "E6";

    // Snapshots (persisted)
    internal const string AccountSnapshotManifest = "S1";

    // Commands and replies (remote)
    internal const string SubmitTransactionManifest = "C1";
    internal const string SubmitTransactionBatchManifest = "C2";
    internal const string OpenAccountManifest = "C3";
    internal const string GetAccountManifest = "C4";
    internal const string CreditTransferManifest = "C5";
    internal const string TransferCreditResultManifest = "C6";
    internal const string TransactionOutcomeManifest = "R1";
    internal const string TransactionBatchOutcomeManifest = "R2";
    internal const string AccountOpenResultManifest = "R3";
    internal const string AccountViewManifest = "R4";

    // Transfer watch (remote): payer ↔ its transfer-watch entity
    internal const string WatchTransfersManifest = "T1";
    internal const string UnwatchTransfersManifest = "T2";
    internal const string SettlePendingTransfersManifest = "T3";
    internal const string PendingTransfersReportManifest = "T4";

    // Analytics (remote and persisted by the collector)
    internal const string WindowPartialsManifest = "W1";
    internal const string RetireWindowSourceManifest = "W2";
    internal const string GetWindowResultsManifest = "W3";
    internal const string WindowResultsManifest = "W4";
    internal const string GetCollectorStatusManifest = "W5";
    internal const string CollectorStatusManifest = "W6";
    internal const string WindowPartialsAckManifest = "W7";
    internal const string PartialsRecordedManifest = "WE1";
    internal const string SourceRetiredManifest = "WE2";
    internal const string ResultsEmittedManifest = "WE3";
    internal const string CollectorSnapshotManifest = "WS1";

    // Ingestion (persisted)
    internal const string IngestionOffsetCommittedManifest = "I1";

    // Risk (replicated, remote, persisted by the alert collector)
    internal const string RuleSetDocumentManifest = "K1";
    internal const string PutRiskRuleManifest = "K2";
    internal const string DisableRiskRuleManifest = "K3";
    internal const string GetRiskRulesManifest = "K4";
    internal const string RiskRulesReplyManifest = "K5";
    internal const string GetRulesAuditManifest = "K8";
    internal const string RulesAuditReplyManifest = "K9";
    internal const string AlertRaisedManifest = "A1";
    internal const string GetAlertsManifest = "A2";
    internal const string AlertsReplyManifest = "A3";
    internal const string AlertsSnapshotManifest = "A4";

    public PaymentsSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        AccountOpened => AccountOpenedManifest,
        TransactionApproved => TransactionApprovedManifest,
        TransactionDeclined => TransactionDeclinedManifest,
        TransferCredited => TransferCreditedManifest,
        TransferSettled => TransferSettledManifest,
        TransferReversed => TransferReversedManifest,
        AccountSnapshot => AccountSnapshotManifest,
        SubmitTransaction => SubmitTransactionManifest,
        SubmitTransactionBatch => SubmitTransactionBatchManifest,
        OpenAccount => OpenAccountManifest,
        GetAccount => GetAccountManifest,
        CreditTransfer => CreditTransferManifest,
        TransferCreditResult => TransferCreditResultManifest,
        TransactionOutcome => TransactionOutcomeManifest,
        TransactionBatchOutcome => TransactionBatchOutcomeManifest,
        AccountOpenResult => AccountOpenResultManifest,
        AccountView => AccountViewManifest,
        WatchTransfers => WatchTransfersManifest,
        UnwatchTransfers => UnwatchTransfersManifest,
        SettlePendingTransfers => SettlePendingTransfersManifest,
        PendingTransfersReport => PendingTransfersReportManifest,
        WindowPartials => WindowPartialsManifest,
        WindowPartialsAck => WindowPartialsAckManifest,
        RetireWindowSource => RetireWindowSourceManifest,
        GetWindowResults => GetWindowResultsManifest,
        WindowResults => WindowResultsManifest,
        GetCollectorStatus => GetCollectorStatusManifest,
        CollectorStatus => CollectorStatusManifest,
        PartialsRecorded => PartialsRecordedManifest,
        SourceRetired => SourceRetiredManifest,
        ResultsEmitted => ResultsEmittedManifest,
        CollectorSnapshot => CollectorSnapshotManifest,
        IngestionOffsetCommitted => IngestionOffsetCommittedManifest,
        RuleSetDocument => RuleSetDocumentManifest,
        PutRiskRule => PutRiskRuleManifest,
        DisableRiskRule => DisableRiskRuleManifest,
        GetRiskRules => GetRiskRulesManifest,
        RiskRulesReply => RiskRulesReplyManifest,
        GetRulesAudit => GetRulesAuditManifest,
        RulesAuditReply => RulesAuditReplyManifest,
        AlertRaised => AlertRaisedManifest,
        GetAlerts => GetAlertsManifest,
        AlertsReply => AlertsReplyManifest,
        AlertsSnapshot => AlertsSnapshotManifest,
        _ => throw new ArgumentException($"{o.GetType().FullName} is not bound to {nameof(PaymentsSerializer)}", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        var w = new PayloadWriter();
        switch (obj)
        {
            case AccountOpened e:
                w.String(e.AccountId); w.String(e.Currency); w.Long(e.OverdraftLimitMinor); w.Long(e.OpeningBalanceMinor); w.Long(e.EventTimeMs);
                break;
            case TransactionApproved e:
                w.String(e.TransactionId); w.Byte((byte)e.Type); w.Long(e.AmountMinor); w.NullableString(e.Counterparty);
                w.Long(e.EventTimeMs); w.ULong(e.Fingerprint); w.Bool(e.Flagged); w.Rules(e.Rules);
                break;
            case TransactionDeclined e:
                w.String(e.TransactionId); w.Byte((byte)e.Type); w.Long(e.AmountMinor); w.NullableString(e.Counterparty);
                w.Long(e.EventTimeMs); w.ULong(e.Fingerprint); w.Byte((byte)e.Code); w.String(e.Reason); w.Rules(e.Rules);
                break;
            case TransferCredited e:
                w.String(e.TransferId); w.String(e.PayerId); w.Long(e.AmountMinor); w.Long(e.EventTimeMs); w.Long(e.PayerBalanceBeforeMinor);
                break;
            case TransferSettled e:
                w.String(e.TransferId);
                break;
            case TransferReversed e:
                w.String(e.TransferId); w.Long(e.AmountMinor); w.String(e.Reason);
                break;
            case AccountSnapshot s:
                WriteSnapshot(w, s);
                break;
            case SubmitTransaction c:
                w.Request(c.Request);
                break;
            case SubmitTransactionBatch c:
                w.String(c.AccountId); w.Long(c.CorrelationId); w.Int(c.Requests.Count);
                foreach (var r in c.Requests)
                {
                    w.Request(r);
                }

                break;
            case OpenAccount c:
                w.String(c.AccountId); w.String(c.Currency); w.Long(c.OverdraftLimitMinor); w.Long(c.OpeningBalanceMinor);
                break;
            case GetAccount c:
                w.String(c.AccountId);
                break;
            case CreditTransfer c:
                w.String(c.AccountId); w.String(c.TransferId); w.String(c.PayerId); w.Long(c.AmountMinor); w.String(c.Currency);
                w.Long(c.EventTimeMs); w.Long(c.PayerBalanceBeforeMinor);
                break;
            case TransferCreditResult c:
                w.String(c.AccountId); w.String(c.TransferId); w.Bool(c.Credited); w.NullableString(c.Reason);
                break;
            case TransactionOutcome o:
                w.Outcome(o);
                break;
            case TransactionBatchOutcome o:
                w.String(o.AccountId); w.Long(o.CorrelationId); w.Int(o.Outcomes.Count);
                foreach (var x in o.Outcomes)
                {
                    w.Outcome(x);
                }

                break;
            case AccountOpenResult r:
                w.String(r.AccountId); w.Bool(r.Succeeded); w.NullableString(r.Reason);
                break;
            case AccountView v:
                w.String(v.AccountId); w.Bool(v.IsOpen); w.NullableString(v.Currency); w.Long(v.BalanceMinor); w.Long(v.OverdraftLimitMinor);
                w.Long(v.Version); w.Int(v.PendingTransfers); w.List(v.Recent, w.Recent);
                break;
            case WatchTransfers m:
                w.String(m.AccountId);
                break;
            case UnwatchTransfers m:
                w.String(m.AccountId);
                break;
            case SettlePendingTransfers m:
                w.String(m.AccountId); w.Long(m.Probe);
                break;
            case PendingTransfersReport m:
                w.String(m.AccountId); w.Long(m.Probe); w.Int(m.Pending);
                break;
            case WindowPartials m:
                w.String(m.Source); w.List(m.Partials, w.Partial); w.Long(m.Watermark); w.Bool(m.Idle); w.Long(m.Sequence);
                break;
            case WindowPartialsAck m:
                w.String(m.Source); w.Long(m.Sequence);
                break;
            case RetireWindowSource m:
                w.String(m.Source);
                break;
            case GetWindowResults m:
                w.NullableString(m.Window); w.NullableString(m.KeyPrefix); w.Long(m.FromMs); w.Long(m.ToMs);
                break;
            case WindowResults m:
                w.List(m.Results, w.Result);
                break;
            case GetCollectorStatus:
                break;
            case CollectorStatus m:
                w.List(m.Watermarks.ToList(), kv => { w.String(kv.Key); w.Long(kv.Value); });
                w.List(m.RetiredSources, w.String); w.Long(m.MinWatermark); w.Int(m.OpenWindows); w.Int(m.KeptWindows); w.Long(m.ResultsEmitted);
                break;
            case PartialsRecorded m:
                w.String(m.Source); w.List(m.Partials, w.Partial); w.Long(m.Watermark); w.Bool(m.Idle); w.Long(m.Sequence);
                break;
            case SourceRetired m:
                w.String(m.Source);
                break;
            case ResultsEmitted m:
                w.List(m.Results, w.Result);
                break;
            case CollectorSnapshot m:
                w.List(m.Watermarks.ToList(), kv => { w.String(kv.Key); w.Long(kv.Value); });
                w.List(m.RetiredSources, w.String);
                w.List(m.Windows, cw =>
                {
                    w.String(cw.Window); w.String(cw.Key); w.Long(cw.Start); w.Long(cw.End);
                    w.List(cw.Parts.ToList(), kv => { w.String(kv.Key); w.Stats(kv.Value); });
                    w.Int(cw.Revision); w.Bool(cw.Dirty); w.Bool(cw.Last is not null);
                    if (cw.Last is not null)
                    {
                        w.Result(cw.Last);
                    }
                });
                w.List(m.IdleSources, w.String);
                w.List(m.Sequences.ToList(), kv => { w.String(kv.Key); w.Long(kv.Value); });
                break;
            case IngestionOffsetCommitted m:
                w.Long(m.Offset);
                break;
            case RuleSetDocument m:
                w.Long(m.Version); w.String(m.Json);
                break;
            case PutRiskRule m:
                w.String(m.RuleJson); w.String(m.Author);
                break;
            case DisableRiskRule m:
                w.String(m.RuleId); w.String(m.Author);
                break;
            case GetRulesAudit m:
                w.Int(m.Limit);
                break;
            case RulesAuditReply m:
                w.String(m.JsonLines);
                break;
            case GetRiskRules:
                break;
            case RiskRulesReply m:
                w.Bool(m.Succeeded); w.NullableString(m.Error); w.Long(m.Version); w.String(m.Json); w.Int(m.AppliedOn); w.Int(m.Nodes);
                break;
            case AlertRaised m:
                w.Alert(m.Alert);
                break;
            case GetAlerts m:
                w.NullableString(m.AccountId); w.Long(m.FromMs); w.Long(m.ToMs); w.Int(m.Limit);
                break;
            case AlertsReply m:
                w.List(m.Alerts, w.Alert); w.Long(m.Total);
                break;
            case AlertsSnapshot m:
                w.List(m.Alerts, w.Alert); w.Long(m.Total);
                break;
            default:
                throw new ArgumentException($"{obj.GetType().FullName} is not bound to {nameof(PaymentsSerializer)}", nameof(obj));
        }

        return w.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
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
            PutRiskRuleManifest => new PutRiskRule(r.String(), r.String()),
            DisableRiskRuleManifest => new DisableRiskRule(r.String(), r.String()),
            GetRulesAuditManifest => new GetRulesAudit(r.Int()),
            RulesAuditReplyManifest => new RulesAuditReply(r.String()),
            GetRiskRulesManifest => GetRiskRules.Instance,
            RiskRulesReplyManifest => new RiskRulesReply(r.Bool(), r.NullableString(), r.Long(), r.String(), r.Int(), r.Int()),
            AlertRaisedManifest => new AlertRaised(r.Alert()),
            GetAlertsManifest => new GetAlerts(r.NullableString(), r.Long(), r.Long(), r.Int()),
            AlertsReplyManifest => new AlertsReply(r.List(r.Alert), r.Long()),
            AlertsSnapshotManifest => new AlertsSnapshot(r.List(r.Alert), r.Long()),
            _ => throw new SerializationException($"manifest: '{manifest}' is unknown to {nameof(PaymentsSerializer)}"),
        };
    }

    private static void WriteSnapshot(PayloadWriter w, AccountSnapshot s)
    {
        w.String(s.AccountId); w.NullableString(s.Currency); w.Long(s.BalanceMinor); w.Long(s.OverdraftLimitMinor); w.Long(s.Version);
        w.List(s.Processed, p =>
        {
            w.String(p.TransactionId); w.ULong(p.Processed.Fingerprint); w.Byte((byte)p.Processed.Status); w.Byte((byte)p.Processed.Code);
            w.NullableString(p.Processed.Reason); w.Long(p.Processed.BalanceAfterMinor); w.Rules(p.Processed.Rules);
        });
        w.List(s.CreditedTransfers, w.String);
        w.List(s.Outbox, p =>
        {
            w.String(p.TransferId); w.String(p.PayeeId); w.Long(p.AmountMinor); w.String(p.Currency); w.Long(p.EventTimeMs); w.Long(p.PayerBalanceBeforeMinor);
        });
        w.List(s.Recent, w.Recent);
        w.List(s.Incoming, i =>
        {
            w.String(i.TransferId); w.String(i.PayerId); w.Long(i.AmountMinor); w.Long(i.EventTimeMs); w.Long(i.PayerBalanceBeforeMinor);
        });
        w.List(s.KnownPayees, w.String);
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

/// <summary>Append-only little-endian writer over a growable buffer.</summary>
internal sealed class PayloadWriter
{
    private byte[] _buffer = new byte[128];
    private int _length;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void Byte(byte b) => Reserve(1)[0] = b;
    public void Bool(bool b) => Byte(b ? (byte)1 : (byte)0);
    public void Int(int v) => System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), v);
    public void Long(long v) => System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), v);
    public void ULong(ulong v) => System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), v);

    public void String(string s)
    {
        var count = Encoding.UTF8.GetByteCount(s);
        Int(count);
        Encoding.UTF8.GetBytes(s, Reserve(count));
    }

    public void NullableString(string? s)
    {
        Bool(s is not null);
        if (s is not null)
        {
            String(s);
        }
    }

    public void List<T>(IReadOnlyCollection<T> items, Action<T> write)
    {
        Int(items.Count);
        foreach (var item in items)
        {
            write(item);
        }
    }

    public void Rules(IReadOnlyList<RuleHit> rules) => List(rules, h =>
    {
        String(h.RuleId); Int(h.Version); String(h.Reason);
    });

    public void Request(TransactionRequest r)
    {
        String(r.TransactionId); String(r.AccountId); Byte((byte)r.Type); Long(r.AmountMinor); String(r.CurrencyCode);
        NullableString(r.Counterparty); Long(r.EventTimeMs);
        Bool(r.OpeningBalanceMinor.HasValue);
        if (r.OpeningBalanceMinor is { } opening)
        {
            Long(opening);
        }
    }

    public void Outcome(TransactionOutcome o)
    {
        String(o.TransactionId); Byte((byte)o.Status); Bool(o.IsDuplicate); Byte((byte)o.Code); NullableString(o.Reason);
        Long(o.BalanceAfterMinor); NullableString(o.Currency); Rules(o.Rules);
    }

    public void Alert(Alert a)
    {
        String(a.TransactionId); String(a.AccountId); Byte((byte)a.Type); Long(a.AmountMinor); String(a.Currency); Long(a.EventTimeMs);
        Byte((byte)a.Status); Rules(a.Rules);
    }

    public void Stats(AmountStatsState s)
    {
        Long(s.Count); Long(s.Sum); Long(s.Min); Long(s.Max);
        var k = s.Sketch;
        Long(BitConverter.DoubleToInt64Bits(k.RelativeAccuracy)); Long(k.ZeroCount); Long(k.Min); Long(k.Max); Int(k.FirstIndex);
        Int(k.BucketCounts.Length);
        foreach (var c in k.BucketCounts)
        {
            Long(c);
        }
    }

    public void Partial(PartialWindowResult p)
    {
        String(p.Window); String(p.Key); Long(p.Start); Long(p.End); Stats(p.Stats);
    }

    public void Result(WindowResult r)
    {
        String(r.Window); String(r.Key); Long(r.Start); Long(r.End); Int(r.Revision); Stats(r.Stats);
    }

    public void Recent(RecentTransaction t)
    {
        String(t.TransactionId); Byte((byte)t.Type); Long(t.AmountMinor); Long(t.DeltaMinor); Byte((byte)t.Status);
        NullableString(t.Counterparty); Long(t.EventTimeMs);
    }
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
