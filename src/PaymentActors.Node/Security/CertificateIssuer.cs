using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PaymentActors.Node.Security;

/// <summary>
/// A small certificate authority for one cluster (System.Security.Cryptography only): ECDSA P-256 keys, a
/// self-signed CA valid 10 years, and leaf certificates valid 2 years usable both as TLS server and client
/// (Akka remoting connects both ways between any two processes, clients included).
/// </summary>
public sealed class CertificateIssuer : IDisposable
{
    private readonly ECDsa _caKey;

    private CertificateIssuer(X509Certificate2 authority, ECDsa caKey)
    {
        Authority = authority;
        _caKey = caKey;
    }

    public X509Certificate2 Authority { get; }

    public static CertificateIssuer CreateAuthority(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var authority = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return new CertificateIssuer(authority, key);
    }

    /// <summary>A leaf certificate with its own new key, named <paramref name="commonName"/>, for the given hosts (DNS names or IP addresses).</summary>
    public X509Certificate2 Issue(string commonName, IEnumerable<string> hosts)
    {
        // Not disposed: the returned certificate holds this key.
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "serverAuth"), new Oid("1.3.6.1.5.5.7.3.2", "clientAuth")], false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(host, out var ip))
            {
                names.AddIpAddress(ip);
            }
            else
            {
                names.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Authority.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddMinutes(-5), now.AddYears(2), serial);
        return issued.CopyWithPrivateKey(key);
    }

    public string AuthorityKeyPem() => _caKey.ExportPkcs8PrivateKeyPem();

    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    public static string KeyPem(X509Certificate2 certificate) =>
        (certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("certificate has no ECDSA private key")).ExportPkcs8PrivateKeyPem();

    public void Dispose() => _caKey.Dispose();
}
