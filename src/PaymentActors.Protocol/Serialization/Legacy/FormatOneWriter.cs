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
/// Encoder of format 1 (see <see cref="FormatOneReader"/>). Not used by a node: it produces old payloads for the
/// compatibility tests and for the benchmark that compares format 1 with format 2.
/// </summary>
internal static class FormatOneWriter
{
    public static string Manifest(object o) => o switch
    {
        AccountOpened => FormatOneReader.AccountOpenedManifest,
        TransactionApproved => FormatOneReader.TransactionApprovedManifest,
        TransactionDeclined => FormatOneReader.TransactionDeclinedManifest,
        TransferCredited => FormatOneReader.TransferCreditedManifest,
        TransferSettled => FormatOneReader.TransferSettledManifest,
        TransferReversed => FormatOneReader.TransferReversedManifest,
        AccountSnapshot => FormatOneReader.AccountSnapshotManifest,
        SubmitTransaction => FormatOneReader.SubmitTransactionManifest,
        SubmitTransactionBatch => FormatOneReader.SubmitTransactionBatchManifest,
        OpenAccount => FormatOneReader.OpenAccountManifest,
        GetAccount => FormatOneReader.GetAccountManifest,
        CreditTransfer => FormatOneReader.CreditTransferManifest,
        TransferCreditResult => FormatOneReader.TransferCreditResultManifest,
        TransactionOutcome => FormatOneReader.TransactionOutcomeManifest,
        TransactionBatchOutcome => FormatOneReader.TransactionBatchOutcomeManifest,
        AccountOpenResult => FormatOneReader.AccountOpenResultManifest,
        AccountView => FormatOneReader.AccountViewManifest,
        WatchTransfers => FormatOneReader.WatchTransfersManifest,
        UnwatchTransfers => FormatOneReader.UnwatchTransfersManifest,
        SettlePendingTransfers => FormatOneReader.SettlePendingTransfersManifest,
        PendingTransfersReport => FormatOneReader.PendingTransfersReportManifest,
        WindowPartials => FormatOneReader.WindowPartialsManifest,
        WindowPartialsAck => FormatOneReader.WindowPartialsAckManifest,
        RetireWindowSource => FormatOneReader.RetireWindowSourceManifest,
        GetWindowResults => FormatOneReader.GetWindowResultsManifest,
        WindowResults => FormatOneReader.WindowResultsManifest,
        GetCollectorStatus => FormatOneReader.GetCollectorStatusManifest,
        CollectorStatus => FormatOneReader.CollectorStatusManifest,
        PartialsRecorded => FormatOneReader.PartialsRecordedManifest,
        SourceRetired => FormatOneReader.SourceRetiredManifest,
        ResultsEmitted => FormatOneReader.ResultsEmittedManifest,
        CollectorSnapshot => FormatOneReader.CollectorSnapshotManifest,
        IngestionOffsetCommitted => FormatOneReader.IngestionOffsetCommittedManifest,
        RuleSetDocument => FormatOneReader.RuleSetDocumentManifest,
        PutRiskRule => FormatOneReader.PutRiskRuleManifest,
        DisableRiskRule => FormatOneReader.DisableRiskRuleManifest,
        GetRiskRules => FormatOneReader.GetRiskRulesManifest,
        RiskRulesReply => FormatOneReader.RiskRulesReplyManifest,
        AlertRaised => FormatOneReader.AlertRaisedManifest,
        GetAlerts => FormatOneReader.GetAlertsManifest,
        AlertsReply => FormatOneReader.AlertsReplyManifest,
        AlertsSnapshot => FormatOneReader.AlertsSnapshotManifest,
        _ => throw new ArgumentException($"{o.GetType().FullName} is not bound to {"format 1"}", nameof(o)),
    };

    public static byte[] ToBinary(object obj)
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
                w.String(m.RuleJson);
                break;
            case DisableRiskRule m:
                w.String(m.RuleId);
                break;
            case GetRiskRules:
                break;
            case RiskRulesReply m:
                w.Bool(m.Succeeded); w.NullableString(m.Error); w.Long(m.Version); w.String(m.Json);
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
                throw new ArgumentException($"{obj.GetType().FullName} is not bound to {"format 1"}", nameof(obj));
        }

        return w.ToArray();
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
