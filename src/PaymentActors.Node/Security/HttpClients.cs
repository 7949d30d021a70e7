using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Security;

/// <summary>
/// HTTP clients of the verbs that talk to a node's HTTP API (<c>ingest</c>): the API key as a bearer token
/// (<c>--api-key</c> / PAYMENTS_API_KEY) and, for https, the server certificate checked against the cluster CA
/// (<c>--tls-ca</c> / PAYMENTS_TLS_CA) rather than the operating system's store.
/// </summary>
public static class HttpClients
{
    public static HttpClient For(Uri endpoint, IConfiguration config)
    {
        var handler = new HttpClientHandler();
        if (endpoint.Scheme == Uri.UriSchemeHttps && config["TlsCa"] is { Length: > 0 } caFile)
        {
            if (!File.Exists(caFile))
            {
                throw new CliException($"--tls-ca: file '{caFile}' does not exist");
            }

            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            };
        }

        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (config["ApiKey"] is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }
}
