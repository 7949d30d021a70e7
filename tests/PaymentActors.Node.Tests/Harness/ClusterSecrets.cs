using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using PaymentActors.Cluster.Security;
using PaymentActors.Node.Security;
using PaymentActors.Testing;

namespace PaymentActors.Node.Tests.Harness;

/// <summary>What <c>paymentactors certs</c> writes, in a temporary folder: CA, node and client certificates, API keys.</summary>
public sealed class ClusterSecrets
{
    private readonly Dictionary<string, string> _keys;

    private ClusterSecrets(string directory)
    {
        Directory = directory;
        _keys = File.ReadAllLines(Path.Combine(directory, "api-keys.env"))
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
    }

    public string Directory { get; }
    public string CaFile => Path.Combine(Directory, "ca.pem");
    public string ApiKeysFile => Path.Combine(Directory, "api-keys.txt");
    public string AdminKey => _keys["PAYMENTS_API_KEY_ADMIN"];
    public string IngestKey => _keys["PAYMENTS_API_KEY_INGEST"];
    public string ReadKey => _keys["PAYMENTS_API_KEY_READ"];

    public static ClusterSecrets Create(string name, int nodes)
    {
        var directory = Path.Combine(Path.GetTempPath(), "pa-secrets-" + name + "-" + Guid.NewGuid().ToString("N")[..6]);
        CertsVerb.Write(directory, nodes, ["127.0.0.1", "localhost"]);
        return new ClusterSecrets(directory);
    }

    /// <summary>--tls-cert/--tls-key/--tls-ca of node <paramref name="index"/> (the node files cycle when there are more nodes).</summary>
    public IReadOnlyList<string> NodeTlsArgs(int index)
    {
        var count = System.IO.Directory.GetFiles(Directory, "node*-key.pem").Length;
        var i = index % count;
        return ["--tls-cert", Path.Combine(Directory, $"node{i}.pem"), "--tls-key", Path.Combine(Directory, $"node{i}-key.pem"), "--tls-ca", CaFile];
    }

    /// <summary>Node <paramref name="index"/>'s flags and an HTTPS client with the read key, for the harness.</summary>
    public NodeSecurity ForNode(int index) => new([.. NodeTlsArgs(index), "--api-keys", ApiKeysFile], Http(ReadKey), true);

    public IReadOnlyList<string> ClientTlsArgs =>
        ["--tls-cert", Path.Combine(Directory, "client.pem"), "--tls-key", Path.Combine(Directory, "client-key.pem"), "--tls-ca", CaFile];

    public ClusterTls ClientTls() => ClusterTls.Load(Path.Combine(Directory, "client.pem"), Path.Combine(Directory, "client-key.pem"), CaFile);

    /// <summary>An HTTPS client that trusts only this cluster's CA and sends <paramref name="apiKey"/> (none when null).</summary>
    public HttpClient Http(string? apiKey)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaFile));
        var tls = ClientTls();
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && tls.Validate(certificate, out _),
        };
        _ = ca;
        var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return http;
    }
}
