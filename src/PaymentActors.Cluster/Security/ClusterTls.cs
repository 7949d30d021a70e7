using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Hosting;

namespace PaymentActors.Cluster.Security;

/// <summary>
/// Mutual TLS for Akka remoting: this process's certificate (with its private key) and the cluster's own CA.
/// A peer is accepted only with a certificate that chains to <see cref="Authority"/> (the operating system's
/// store is not consulted) and is valid now; a peer without a certificate, or with one from another CA, is
/// refused during the TLS handshake, before any Akka message is read.
/// </summary>
public sealed class ClusterTls
{
    private ClusterTls(X509Certificate2 certificate, X509Certificate2 authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    public X509Certificate2 Certificate { get; }
    public X509Certificate2 Authority { get; }

    /// <summary>The subject of this process's certificate, e.g. <c>CN=paymentactors-client</c>: who a rule change is recorded as.</summary>
    public string Subject => Certificate.Subject;

    /// <summary>Loads PEM files; every error names the setting (--tls-cert, --tls-key, --tls-ca) and the reason.</summary>
    public static ClusterTls Load(string certFile, string keyFile, string caFile)
    {
        static string Read(string path, string setting) =>
            File.Exists(path) ? File.ReadAllText(path) : throw new TlsSettingsException($"{setting}: file '{path}' does not exist");

        var certPem = Read(certFile, "--tls-cert");
        var keyPem = Read(keyFile, "--tls-key");
        var caPem = Read(caFile, "--tls-ca");
        X509Certificate2 authority;
        try
        {
            authority = X509Certificate2.CreateFromPem(caPem);
        }
        catch (CryptographicException e)
        {
            throw new TlsSettingsException($"--tls-ca: '{caFile}' is not a PEM certificate ({e.Message})");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (CryptographicException e)
        {
            throw new TlsSettingsException($"--tls-cert/--tls-key: '{certFile}' and '{keyFile}' are not a PEM certificate and its private key ({e.Message})");
        }

        return FromCertificates(certificate, authority);
    }

    /// <summary>From certificates in memory (the demo's throwaway CA, tests).</summary>
    public static ClusterTls FromCertificates(X509Certificate2 certificateWithKey, X509Certificate2 authority)
    {
        if (!certificateWithKey.HasPrivateKey)
        {
            throw new TlsSettingsException("--tls-key: the certificate has no private key");
        }

        // A key imported from PEM is ephemeral; SslStream wants one it can use for the handshake on every platform.
        var usable = X509CertificateLoader.LoadPkcs12(certificateWithKey.Export(X509ContentType.Pkcs12), null,
            X509KeyStorageFlags.Exportable);
        var tls = new ClusterTls(usable, authority);
        if (!tls.Validate(usable, out var reason))
        {
            throw new TlsSettingsException($"--tls-cert: not issued by the CA of --tls-ca: {reason}");
        }

        return tls;
    }

    /// <summary>True when <paramref name="peer"/> chains to the cluster's CA and is valid now.</summary>
    public bool Validate(X509Certificate2? peer, out string reason)
    {
        if (peer is null)
        {
            reason = "the peer presented no certificate";
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(peer))
        {
            reason = $"certificate '{peer.Subject}' (issuer '{peer.Issuer}') does not chain to the cluster CA '{Authority.Subject}': "
                     + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
            return false;
        }

        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span))
        {
            reason = $"certificate '{peer.Subject}' chains to '{root.Subject}', not to the cluster CA";
            return false;
        }

        reason = "";
        return true;
    }

    /// <summary>Remoting options with mutual TLS on; hostnames are not checked (nodes connect by IP), the CA is.</summary>
    public RemoteOptions Apply(RemoteOptions options)
    {
        options.EnableSsl = true;
        options.Ssl = new SslOptions
        {
            X509Certificate = Certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = Validator,
        };
        return options;
    }

    private bool Validator(X509Certificate2? certificate, X509Chain? chain, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (!Validate(certificate, out var reason))
        {
            log.Warning("TLS: refused {0}: {1}", peer, reason);
            return false;
        }

        return true;
    }

    /// <summary>The remoting address scheme: <c>akka.ssl.tcp</c> with TLS, <c>akka.tcp</c> without.</summary>
    public static string Scheme(bool tls) => tls ? "akka.ssl.tcp" : "akka.tcp";

    /// <summary>
    /// Seed and contact addresses in the scheme this process speaks: <c>akka.tcp://payments@h:p</c> becomes
    /// <c>akka.ssl.tcp://payments@h:p</c> when TLS is on (and back when off), so one address list serves both.
    /// </summary>
    public static string NormaliseAddress(string address, bool tls)
    {
        var plain = address.StartsWith("akka.ssl.tcp://", StringComparison.Ordinal) ? "akka.tcp://" + address["akka.ssl.tcp://".Length..] : address;
        return tls && plain.StartsWith("akka.tcp://", StringComparison.Ordinal) ? "akka.ssl.tcp://" + plain["akka.tcp://".Length..] : plain;
    }
}

/// <summary>TLS settings that cannot be used; the message names the setting.</summary>
public sealed class TlsSettingsException(string message) : Exception(message);
