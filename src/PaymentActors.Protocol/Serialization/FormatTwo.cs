using System.Runtime.Serialization;
using Google.Protobuf;

namespace PaymentActors.Protocol.Serialization;

/// <summary>
/// Format 2: every bound type as a Protocol Buffers message (Proto/*.proto, compiled at build), under a short
/// fixed manifest. Each protocol area declares its bindings in its own file (<see cref="AccountsFormat"/>,
/// <see cref="AnalyticsFormat"/>, <see cref="ClientsFormat"/>, <see cref="IngestionFormat"/>, <see cref="ObservabilityFormat"/>,
/// <see cref="RiskFormat"/>); a binding is a manifest, the mapping domain → proto and the mapping proto → domain.
/// </summary>
internal sealed class FormatTwo
{
    private readonly Dictionary<Type, Binding> _byType = [];
    private readonly Dictionary<string, Binding> _byManifest = new(StringComparer.Ordinal);

    private sealed record Binding(Type Type, string Manifest, Func<object, IMessage> ToProto, Func<byte[], object> FromBytes);

    public static FormatTwo Create()
    {
        var format = new FormatTwo();
        AccountsFormat.Bind(format);
        AnalyticsFormat.Bind(format);
        ClientsFormat.Bind(format);
        IngestionFormat.Bind(format);
        ObservabilityFormat.Bind(format);
        RiskFormat.Bind(format);
        return format;
    }

    public IEnumerable<Type> BoundTypes => _byType.Keys;

    public IEnumerable<string> Manifests => _byManifest.Keys;

    /// <summary>Binds <typeparamref name="TDomain"/> to <typeparamref name="TProto"/> under <paramref name="manifest"/> (never reuse one).</summary>
    public void Bind<TDomain, TProto>(string manifest, MessageParser<TProto> parser, Func<TDomain, TProto> toProto, Func<TProto, TDomain> fromProto)
        where TDomain : class
        where TProto : IMessage<TProto>
    {
        // Parsed from a span: no CodedInputStream per message (every journal reader deserialises every row).
        var binding = new Binding(typeof(TDomain), manifest, o => toProto((TDomain)o), bytes => fromProto(parser.ParseFrom(new ReadOnlySpan<byte>(bytes))));
        if (!_byType.TryAdd(typeof(TDomain), binding))
        {
            throw new InvalidOperationException($"{typeof(TDomain).Name} is bound twice");
        }

        if (!_byManifest.TryAdd(manifest, binding))
        {
            throw new InvalidOperationException($"manifest '{manifest}' is bound twice ({_byManifest[manifest].Type.Name}, {typeof(TDomain).Name})");
        }
    }

    public bool TryManifest(object o, out string manifest)
    {
        if (_byType.TryGetValue(o.GetType(), out var binding))
        {
            manifest = binding.Manifest;
            return true;
        }

        manifest = "";
        return false;
    }

    public bool TryToBinary(object o, out byte[] bytes)
    {
        if (_byType.TryGetValue(o.GetType(), out var binding))
        {
            bytes = binding.ToProto(o).ToByteArray();
            return true;
        }

        bytes = [];
        return false;
    }

    public bool TryFromBinary(byte[] bytes, string manifest, out object message)
    {
        if (!_byManifest.TryGetValue(manifest, out var binding))
        {
            message = null!;
            return false;
        }

        try
        {
            message = binding.FromBytes(bytes);
            return true;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SerializationException($"payload: not a valid {binding.Type.Name} (manifest '{manifest}'): {e.Message}", e);
        }
    }
}
