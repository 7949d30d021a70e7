using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Security;

/// <summary>
/// Who changed a rule, proven rather than declared. Mutual TLS proves that a peer holds <i>a</i> certificate of the
/// cluster's CA, not which one, and an actor cannot see the peer's certificate; so the sender of a rule change signs
/// it with the private key of its certificate and sends the certificate along. The rules singleton checks that the
/// certificate chains to the cluster CA and is valid now, that the signature covers this very command, author,
/// time and nonce, that the time is within <see cref="MaxClockSkew"/> of its own clock, and (itself) that the nonce
/// was not used before. What is signed: a fixed domain tag, then the action, the argument (the rule's JSON or
/// id), the author, the time and the nonce, each length-prefixed, so no two commands share a signed text.
/// </summary>
public static class RuleChangeSigning
{
    /// <summary>How far a signature's time may be from the verifier's clock (either way).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Node certificates (the <c>certs</c> verb names them <c>CN=paymentactors-node0</c>, …) may sign a change on behalf
    /// of an HTTP principal they authenticated (an API key's name, a JWT subject); any other certificate signs as itself.
    /// </summary>
    public const string NodeCommonNamePrefix = "paymentactors-node";

    private const string DomainTag = "paymentactors rule change v1";

    /// <summary>The author a client certificate signs as: <c>cert:</c> and its subject.</summary>
    public static string AuthorOf(X509Certificate2 certificate) => "cert:" + certificate.Subject;

    public static bool IsNodeCertificate(X509Certificate2 certificate) =>
        certificate.GetNameInfo(X509NameType.SimpleName, false).StartsWith(NodeCommonNamePrefix, StringComparison.Ordinal);

    public static PutRiskRule Put(ClusterTls? tls, string ruleJson, string author, DateTimeOffset? now = null) =>
        new(ruleJson, author, Sign(tls, "put", ruleJson, author, now));

    public static DisableRiskRule Disable(ClusterTls? tls, string ruleId, string author, DateTimeOffset? now = null) =>
        new(ruleId, author, Sign(tls, "disable", ruleId, author, now));

    /// <summary>The signature of one command with this process's certificate; null without TLS (an insecure cluster checks none).</summary>
    public static RuleChangeSignature? Sign(ClusterTls? tls, string action, string argument, string author, DateTimeOffset? now = null)
    {
        if (tls is null)
        {
            return null;
        }

        var timestamp = (now ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var payload = Payload(action, argument, author, timestamp, nonce);
        byte[] signature;
        if (tls.Certificate.GetECDsaPrivateKey() is { } ecdsa)
        {
            using (ecdsa)
            {
                signature = ecdsa.SignData(payload, HashAlgorithmName.SHA256);
            }
        }
        else
        {
            using var rsa = tls.Certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException("--tls-key: neither an ECDSA nor an RSA key");
            signature = rsa.SignData(payload, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        }

        return new RuleChangeSignature(Convert.ToBase64String(tls.Certificate.RawData), timestamp, nonce, Convert.ToBase64String(signature));
    }

    /// <summary>
    /// Checks a signed command; on success <paramref name="author"/> is who made the change and <paramref name="signer"/>
    /// the signing certificate's subject. On failure <paramref name="error"/> says why, starting with the field.
    /// Replays within the time window are the caller's to refuse (by <see cref="RuleChangeSignature.Nonce"/>).
    /// </summary>
    public static bool TryVerify(ClusterTls tls, string action, string argument, string declaredAuthor, RuleChangeSignature? signature,
        DateTimeOffset now, out string author, out string signer, out string error)
    {
        author = signer = "";
        if (signature is null)
        {
            error = "signature: missing: this cluster accepts rule changes only signed with a certificate of its CA " +
                    "(the rules verb signs with --tls-cert/--tls-key; over HTTP, the node signs for the admin key)";
            return false;
        }

        X509Certificate2 certificate;
        byte[] signatureBytes;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(signature.CertificateDer));
            signatureBytes = Convert.FromBase64String(signature.Signature);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            error = $"signature: unreadable certificate or signature ({e.Message})";
            return false;
        }

        using (certificate)
        {
            if (!tls.Validate(certificate, out var reason))
            {
                error = $"signature: refused: {reason}";
                return false;
            }

            var skew = TimeSpan.FromMilliseconds(Math.Abs(now.ToUnixTimeMilliseconds() - signature.TimestampMs));
            if (skew > MaxClockSkew)
            {
                error = $"signature: signed at {DateTimeOffset.FromUnixTimeMilliseconds(signature.TimestampMs):O}, more than {MaxClockSkew.TotalMinutes} minutes from this node's clock";
                return false;
            }

            if (signature.Nonce.Length is < 16 or > 64)
            {
                error = "signature: nonce: 16 to 64 characters";
                return false;
            }

            var payload = Payload(action, argument, declaredAuthor, signature.TimestampMs, signature.Nonce);
            if (!Verifies(certificate, payload, signatureBytes))
            {
                error = $"signature: does not match the command, its author and time under the key of '{certificate.Subject}' (forged or altered)";
                return false;
            }

            signer = "cert:" + certificate.Subject;
            if (IsNodeCertificate(certificate))
            {
                // A node vouches for the HTTP principal it authenticated (API key name or JWT subject).
                if (string.IsNullOrWhiteSpace(declaredAuthor) || declaredAuthor.StartsWith("cert:", StringComparison.Ordinal))
                {
                    error = $"author: '{declaredAuthor}' is not an HTTP principal a node can sign for";
                    return false;
                }

                author = declaredAuthor;
            }
            else if (declaredAuthor != signer)
            {
                error = $"author: '{declaredAuthor}' is not the signer '{signer}' (a client certificate signs only as itself)";
                return false;
            }
            else
            {
                author = signer;
            }

            error = "";
            return true;
        }
    }

    private static bool Verifies(X509Certificate2 certificate, byte[] payload, byte[] signature)
    {
        if (certificate.GetECDsaPublicKey() is { } ecdsa)
        {
            using (ecdsa)
            {
                return ecdsa.VerifyData(payload, signature, HashAlgorithmName.SHA256);
            }
        }

        using var rsa = certificate.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(payload, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
    }

    private static byte[] Payload(string action, string argument, string author, long timestampMs, string nonce)
    {
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var field in new[] { DomainTag, action, argument, author, timestampMs.ToString(System.Globalization.CultureInfo.InvariantCulture), nonce })
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        return buffer.ToArray();
    }
}
