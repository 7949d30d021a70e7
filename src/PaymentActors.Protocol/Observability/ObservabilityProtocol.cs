using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Protocol.Observability;

/// <summary>
/// Node → a node's latency reporter (the same path on every node): its decision counts so far, for a cluster-wide
/// dashboard. Reply: <see cref="NodeLatencyReply"/>.
/// </summary>
public sealed record GetNodeLatency : IPaymentsMessage
{
    public static readonly GetNodeLatency Instance = new();
}

/// <summary>
/// Cumulative counts since the answering node started: decisions taken by its accounts, and the decision latency
/// histogram (bucket i counts latencies in [2^i, 2^(i+1)) µs). Cumulative, not a window, so the asker can diff two
/// answers and sum several nodes' buckets before taking quantiles.
/// </summary>
public sealed record NodeLatencyReply(string Node, long Decided, IReadOnlyList<long> Buckets) : IPaymentsMessage;
