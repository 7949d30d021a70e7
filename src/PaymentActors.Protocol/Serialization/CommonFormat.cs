using System.Runtime.Serialization;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using P = PaymentActors.Protocol.Serialization.Proto;

namespace PaymentActors.Protocol.Serialization;

/// <summary>Mappings of the types several protocol areas share (common.proto), and checks that fail with the field's name.</summary>
internal static class CommonFormat
{
    public static P.RuleHit ToProto(RuleHit h) => new() { RuleId = h.RuleId, Version = h.Version, Reason = h.Reason };

    public static RuleHit FromProto(P.RuleHit h) => new(h.RuleId, h.Version, h.Reason);

    public static IReadOnlyList<RuleHit> Rules(IEnumerable<P.RuleHit> rules) => rules.Select(FromProto).ToArray();

    public static P.TransactionRequest ToProto(TransactionRequest r) => new()
    {
        TransactionId = r.TransactionId,
        AccountId = r.AccountId,
        Type = (P.TransactionType)r.Type,
        AmountMinor = r.AmountMinor,
        CurrencyCode = r.CurrencyCode,
        Counterparty = r.Counterparty,
        EventTimeMs = r.EventTimeMs,
        OpeningBalanceMinor = r.OpeningBalanceMinor,
        OpeningOverdraftMinor = r.OpeningOverdraftMinor,
    };

    public static TransactionRequest FromProto(P.TransactionRequest r) =>
        new(r.TransactionId, r.AccountId, Type(r.Type), r.AmountMinor, r.CurrencyCode, r.Counterparty, r.EventTimeMs, r.OpeningBalanceMinor,
            r.OpeningOverdraftMinor);

    public static P.TransactionOutcome ToProto(TransactionOutcome o) => new()
    {
        TransactionId = o.TransactionId,
        Status = (P.TransactionStatus)o.Status,
        IsDuplicate = o.IsDuplicate,
        Code = (P.RejectCode)o.Code,
        Reason = o.Reason,
        BalanceAfterMinor = o.BalanceAfterMinor,
        Currency = o.Currency,
        Rules = { o.Rules.Select(ToProto) },
    };

    public static TransactionOutcome FromProto(P.TransactionOutcome o) =>
        new(o.TransactionId, Status(o.Status), o.IsDuplicate, Code(o.Code), o.Reason, o.BalanceAfterMinor, o.Currency, Rules(o.Rules));

    public static P.RecentTransaction ToProto(RecentTransaction t) => new()
    {
        TransactionId = t.TransactionId,
        Type = (P.TransactionType)t.Type,
        AmountMinor = t.AmountMinor,
        DeltaMinor = t.DeltaMinor,
        Status = (P.TransactionStatus)t.Status,
        Counterparty = t.Counterparty,
        EventTimeMs = t.EventTimeMs,
    };

    public static RecentTransaction FromProto(P.RecentTransaction t) =>
        new(t.TransactionId, Type(t.Type), t.AmountMinor, t.DeltaMinor, Status(t.Status), t.Counterparty, t.EventTimeMs);

    public static P.AmountStats ToProto(AmountStatsState s) => new()
    {
        Count = s.Count,
        Sum = s.Sum,
        Min = s.Min,
        Max = s.Max,
        SketchRelativeAccuracy = s.Sketch.RelativeAccuracy,
        SketchZeroCount = s.Sketch.ZeroCount,
        SketchMin = s.Sketch.Min,
        SketchMax = s.Sketch.Max,
        SketchFirstIndex = s.Sketch.FirstIndex,
        SketchBucketCounts = { s.Sketch.BucketCounts },
    };

    public static AmountStatsState FromProto(P.AmountStats? s)
    {
        var stats = Required(s, "stats");
        return new AmountStatsState(stats.Count, stats.Sum, stats.Min, stats.Max, new AmountSketchState(
            stats.SketchRelativeAccuracy, stats.SketchZeroCount, stats.SketchMin, stats.SketchMax, stats.SketchFirstIndex,
            stats.SketchBucketCounts.ToArray()));
    }

    public static TransactionType Type(P.TransactionType type) =>
        TransactionTypes.IsDefined((TransactionType)type)
            ? (TransactionType)type
            : throw new SerializationException($"type: {(int)type} is not a transaction type");

    public static TransactionStatus Status(P.TransactionStatus status) =>
        Enum.IsDefined((TransactionStatus)status)
            ? (TransactionStatus)status
            : throw new SerializationException($"status: {(int)status} is not a transaction status");

    public static RejectCode Code(P.RejectCode code) =>
        Enum.IsDefined((RejectCode)code)
            ? (RejectCode)code
            : throw new SerializationException($"code: {(int)code} is not a reject code");

    /// <summary>A nested message that must be present (proto3 leaves it null when absent).</summary>
    public static T Required<T>(T? value, string field) where T : class =>
        value ?? throw new SerializationException($"{field}: missing");
}
