using Microsoft.Extensions.Configuration;
using PaymentActors.Cluster.Security;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Security;

/// <summary>JWT bearer validation for deployments with an identity provider: HMAC-SHA256 signing key, issuer, audience; roles from the "role" claim.</summary>
public sealed record JwtSettings(string Issuer, string Audience, string SigningKey);

/// <summary>
/// How a process secures itself, bound from configuration keys (flags or PAYMENTS_ environment variables):
/// TlsCert, TlsKey, TlsCa (PEM files), Insecure, ApiKeys (hash file), ApiKey (a client's key), JwtIssuer,
/// JwtAudience, JwtSigningKey. Secure by default: without TLS settings a node or client refuses to start
/// unless Insecure is set, which disables TLS and HTTP authentication and says so.
/// </summary>
public sealed record SecuritySettings(bool Insecure, ClusterTls? Tls, ApiKeyStore? ApiKeys, JwtSettings? Jwt, string? ApiKey)
{
    public const string InsecureWarning =
        "WARNING: --insecure: remoting is plain TCP and the HTTP API needs no credential; anyone who can reach these ports can drive this process. Local experiments only.";

    public bool HttpAuthentication => !Insecure;

    /// <summary>For a node: TLS, and API keys and/or JWT for the HTTP API.</summary>
    public static SecuritySettings ForNode(IConfiguration config) => Bind(config, node: true);

    /// <summary>For a client verb: TLS for remoting, an API key for HTTP.</summary>
    public static SecuritySettings ForClient(IConfiguration config) => Bind(config, node: false);

    private static SecuritySettings Bind(IConfiguration config, bool node)
    {
        var insecure = string.Equals(config["Insecure"], "true", StringComparison.OrdinalIgnoreCase)
                       || config["Insecure"] == "1";
        if (insecure)
        {
            Console.Error.WriteLine(InsecureWarning);
            return new SecuritySettings(true, null, null, null, config["ApiKey"]);
        }

        var cert = config["TlsCert"];
        var key = config["TlsKey"];
        var ca = config["TlsCa"];
        if (string.IsNullOrWhiteSpace(cert) || string.IsNullOrWhiteSpace(key) || string.IsNullOrWhiteSpace(ca))
        {
            var missing = string.Join(", ", new[] { ("--tls-cert", cert), ("--tls-key", key), ("--tls-ca", ca) }
                .Where(s => string.IsNullOrWhiteSpace(s.Item2)).Select(s => s.Item1));
            throw new CliException($"{missing}: required. Remoting uses mutual TLS: give --tls-cert FILE --tls-key FILE --tls-ca FILE " +
                                   "(or PAYMENTS_TLS_CERT, PAYMENTS_TLS_KEY, PAYMENTS_TLS_CA; 'paymentactors certs --out DIR' makes them), " +
                                   "or --insecure (PAYMENTS_INSECURE=true) for a local experiment without any security.");
        }

        ClusterTls tls;
        try
        {
            tls = ClusterTls.Load(cert, key, ca);
        }
        catch (TlsSettingsException e)
        {
            throw new CliException(e.Message);
        }

        ApiKeyStore? apiKeys = null;
        JwtSettings? jwt = null;
        if (node)
        {
            if (config["ApiKeys"] is { Length: > 0 } keysFile)
            {
                try
                {
                    apiKeys = ApiKeyStore.Load(keysFile);
                }
                catch (ApiKeyFileException e)
                {
                    throw new CliException(e.Message);
                }
            }

            var issuer = config["JwtIssuer"];
            var audience = config["JwtAudience"];
            var signingKey = config["JwtSigningKey"];
            if (!string.IsNullOrEmpty(issuer) || !string.IsNullOrEmpty(audience) || !string.IsNullOrEmpty(signingKey))
            {
                if (string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(audience) || string.IsNullOrEmpty(signingKey))
                {
                    throw new CliException("--jwt-issuer, --jwt-audience, --jwt-signing-key: all three are needed for JWT bearer tokens");
                }

                if (System.Text.Encoding.UTF8.GetByteCount(signingKey) < 32)
                {
                    throw new CliException("--jwt-signing-key: at least 32 bytes (HMAC-SHA256)");
                }

                jwt = new JwtSettings(issuer, audience, signingKey);
            }

            if (apiKeys is null && jwt is null)
            {
                throw new CliException("--api-keys: required. The HTTP API authenticates every request: give --api-keys FILE " +
                                       "(PAYMENTS_API_KEYS; 'paymentactors certs' writes api-keys.txt) and/or --jwt-issuer/--jwt-audience/--jwt-signing-key, " +
                                       "or --insecure for a local experiment.");
            }
        }

        return new SecuritySettings(false, tls, apiKeys, jwt, config["ApiKey"]);
    }
}
