using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Security;

/// <summary>
/// <c>paymentactors certs --out DIR [--nodes N] [--hosts h1,h2,…]</c>: everything a secured cluster needs,
/// fresh: a CA, a certificate + key per node, one for clients, and API keys (plain for operators, hashed for nodes).
/// </summary>
public static class CertsVerb
{
    public static Task<int> RunAsync(string[] args)
    {
        string? outDir = null;
        var nodes = 3;
        IReadOnlyList<string> hosts = ["127.0.0.1", "localhost"];
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new CliException($"{args[i]}: needs a value");
            switch (args[i])
            {
                case "--out": outDir = value; break;
                case "--nodes": nodes = int.TryParse(value, out var n) && n is > 0 and <= 1000 ? n : throw new CliException($"--nodes: '{value}' is not a number from 1 to 1000"); break;
                case "--hosts": hosts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                default: throw new CliException($"{args[i]}: unexpected argument (certs --out DIR [--nodes N] [--hosts h1,h2,...])");
            }

            i++;
        }

        if (string.IsNullOrWhiteSpace(outDir))
        {
            throw new CliException("--out: required (certs --out DIR [--nodes N] [--hosts h1,h2,...])");
        }

        var written = Write(outDir, nodes, hosts);
        Console.WriteLine($"wrote {written.Count} files to {Path.GetFullPath(outDir)}:");
        foreach (var (file, what) in written)
        {
            Console.WriteLine($"  {file,-18} {what}");
        }

        return Task.FromResult(0);
    }

    /// <summary>Writes the files; returns (file name, what it is). Private keys and plain API keys are readable by the owner only.</summary>
    public static IReadOnlyList<(string File, string What)> Write(string outDir, int nodes, IReadOnlyList<string> hosts)
    {
        Directory.CreateDirectory(outDir);
        var written = new List<(string, string)>();
        void Save(string name, string content, string what, bool secret)
        {
            var path = Path.Combine(outDir, name);
            File.WriteAllText(path, content);
            if (secret && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            written.Add((name, what));
        }

        using var issuer = CertificateIssuer.CreateAuthority("paymentactors-ca-" + Guid.NewGuid().ToString("N")[..8]);
        Save("ca.pem", CertificateIssuer.CertificatePem(issuer.Authority), "the cluster CA certificate (--tls-ca for every node and client)", false);
        Save("ca-key.pem", issuer.AuthorityKeyPem(), "the CA's private key: keep offline; only needed to issue more certificates", true);
        for (var i = 0; i < nodes; i++)
        {
            using var node = issuer.Issue($"paymentactors-node{i}", hosts);
            Save($"node{i}.pem", CertificateIssuer.CertificatePem(node), $"node {i} certificate (--tls-cert)", false);
            Save($"node{i}-key.pem", CertificateIssuer.KeyPem(node), $"node {i} private key (--tls-key)", true);
        }

        using (var client = issuer.Issue("paymentactors-client", hosts))
        {
            Save("client.pem", CertificateIssuer.CertificatePem(client), "client certificate for the CLI verbs and PaymentsClient (--tls-cert)", false);
            Save("client-key.pem", CertificateIssuer.KeyPem(client), "client private key (--tls-key)", true);
        }

        var keys = ApiRoles.All.ToDictionary(role => role, _ => ApiKeyStore.NewKey());
        Save("api-keys.env",
            string.Concat(keys.Select(k => $"PAYMENTS_API_KEY_{k.Key.ToUpperInvariant()}={k.Value}\n")),
            "the plain API keys, one per role (source it; send one as 'Authorization: Bearer KEY')", true);
        Save("api-keys.txt",
            "# NAME ROLE SHA256(key): for the nodes (--api-keys); holds hashes only\n" +
            string.Concat(keys.Select(k => ApiKeyStore.FileLine(k.Key, k.Key, k.Value) + "\n")),
            "key hashes with their roles for the nodes (--api-keys)", false);
        return written;
    }
}
