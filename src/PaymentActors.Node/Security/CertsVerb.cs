using System.CommandLine;
using PaymentActors.Node.Cli;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Security;

/// <summary>
/// <c>paymentactors certs --out DIR [--nodes N] [--hosts h1,h2,…]</c>: everything a secured cluster needs,
/// fresh: a CA, a certificate + key per node, one for clients, and API keys (plain for operators, hashed for nodes).
/// </summary>
public static class CertsVerb
{
    public static Command Command()
    {
        var command = new Command("certs", "write a fresh CA, a certificate + key per node, one for clients, and API keys (docs/SECURITY.md)");
        var outDir = new Option<string>("--out") { Description = "directory to write to (created)", Required = true };
        var nodes = NumberOption.Create("--nodes", "how many node certificates", 3, n => n is > 0 and <= 1000, "a number from 1 to 1000");
        var hosts = new Option<string>("--hosts")
        {
            Description = "host names and IP addresses the node certificates are valid for, comma-separated",
            DefaultValueFactory = _ => "127.0.0.1,localhost",
        };
        command.Options.Add(outDir);
        command.Options.Add(nodes);
        command.Options.Add(hosts);
        command.SetAction(parse => RunAsync(parse.GetValue(outDir)!, parse.GetValue(nodes),
            parse.GetValue(hosts)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        return command;
    }

    private static Task<int> RunAsync(string outDir, int nodes, IReadOnlyList<string> hosts)
    {
        if (hosts.Count == 0)
        {
            throw new CliException("--hosts: give at least one host name or address");
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
