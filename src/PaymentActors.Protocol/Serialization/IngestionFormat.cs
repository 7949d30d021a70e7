using PaymentActors.Protocol.Ingestion;
using P = PaymentActors.Protocol.Serialization.Proto;

namespace PaymentActors.Protocol.Serialization;

/// <summary>Format 2 of the ingestion area (ingestion.proto): the offset store's event and snapshot (persisted).</summary>
internal static class IngestionFormat
{
    public static void Bind(FormatTwo f)
    {
        f.Bind<IngestionOffsetCommitted, P.IngestionOffsetCommitted>("I1v2", P.IngestionOffsetCommitted.Parser,
            e => new() { Offset = e.Offset },
            p => new(p.Offset));
    }
}
