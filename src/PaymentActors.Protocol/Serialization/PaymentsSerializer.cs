using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Accounts;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Serialization.Legacy;

namespace PaymentActors.Protocol.Serialization;

/// <summary>
/// The serializer of every persisted event, snapshot and remote message of PaymentActors.
/// <para>
/// Writes format 2: Protocol Buffers messages (<c>Serialization/Proto/*.proto</c>, compiled at build) under short
/// fixed manifests ending in "v2" (<c>E1v2</c>, <c>S1v2</c>, …). Fields are tagged, so a field can be added to a
/// message without breaking stored data or older nodes (rules at the top of <c>common.proto</c>).
/// Reads format 2 and format 1, the positional binary layout of earlier journals, which kept its manifests
/// (<c>E1</c>, <c>S1</c>, …): a manifest says which format its payload is in, so old and new events can sit in one
/// journal, and an actor whose history starts in format 1 recovers and continues in format 2.
/// </para>
/// <para>To add a message: define it in its area's .proto, then add one <c>Bind</c> line in that area's
/// <c>*Format.cs</c> (<see cref="AccountsFormat"/>, <see cref="AnalyticsFormat"/>, <see cref="ClientsFormat"/>, <see cref="IngestionFormat"/>,
/// <see cref="ObservabilityFormat"/>, <see cref="RiskFormat"/>) and a sample in the serializer tests.</para>
/// </summary>
public sealed class PaymentsSerializer : SerializerWithStringManifest
{
    /// <summary>Identifier stored beside every payload; must never change (ids below 100 are Akka's).</summary>
    public const int Id = 4711;

    /// <summary>
    /// The format this serializer writes. Nodes writing different formats must not form a cluster (the join check
    /// compares it): a node reads both formats, but an older node cannot read what a newer one sends.
    /// 1: positional binary (read-only now). 2: Protocol Buffers.
    /// </summary>
    public const int FormatVersion = 2;

    /// <summary>The types bound to this serializer (hosting binds them; a test finds every concrete type below them).</summary>
    public static readonly IReadOnlyList<Type> BoundTypes =
    [
        typeof(IPaymentsMessage), typeof(IAccountEvent), typeof(AccountSnapshot), typeof(TransactionOutcome), typeof(AccountView),
        typeof(ICollectorEvent), typeof(CollectorSnapshot), typeof(IWindowProjectionEvent), typeof(WindowProjectionSnapshot),
    ];

    private static readonly FormatTwo Format = FormatTwo.Create();

    public PaymentsSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        Format.TryManifest(o, out var manifest) ? manifest : throw NotBound(o);

    public override byte[] ToBinary(object obj) =>
        Format.TryToBinary(obj, out var bytes) ? bytes : throw NotBound(obj);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (Format.TryFromBinary(bytes, manifest, out var message))
        {
            return message;
        }

        return FormatOneReader.IsFormatOne(manifest)
            ? FormatOneReader.Read(bytes, manifest)
            : throw new SerializationException($"manifest: '{manifest}' is unknown to {nameof(PaymentsSerializer)}");
    }

    private static ArgumentException NotBound(object o) =>
        new($"{o.GetType().FullName} is not bound to {nameof(PaymentsSerializer)}", nameof(o));
}
