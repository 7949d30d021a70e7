using PaymentActors.Protocol.Observability;
using P = PaymentActors.Protocol.Serialization.Proto;

namespace PaymentActors.Protocol.Serialization;

/// <summary>Format 2 of the observability area (observability.proto): a node's latency counts asked by another node's dashboard (remote only).</summary>
internal static class ObservabilityFormat
{
    public static void Bind(FormatTwo f)
    {
        f.Bind<GetNodeLatency, P.GetNodeLatency>("M1v2", P.GetNodeLatency.Parser,
            _ => new(),
            _ => GetNodeLatency.Instance);
        f.Bind<NodeLatencyReply, P.NodeLatencyReply>("M2v2", P.NodeLatencyReply.Parser,
            r => new() { Node = r.Node, Decided = r.Decided, Buckets = { r.Buckets } },
            p => new(p.Node, p.Decided, p.Buckets.ToArray()));
    }
}
