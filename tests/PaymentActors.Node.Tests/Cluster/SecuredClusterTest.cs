using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Node.Tests.Harness;
using PaymentActors.Testing;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// One secured 3-node cluster on PostgreSQL (mutual TLS, HTTPS, API keys), and everything that must not get in:
/// a node without TLS, a node with another CA's certificate, a client without a certificate, a node with a valid
/// certificate but another journal or database, HTTP without the right role, ids with invisible characters.
/// After each, the ledger and the member list are unchanged.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SecuredClusterTest(PostgresServer postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_secured_cluster_admits_only_credentialed_compatible_peers_and_authorised_requests()
    {
        var secrets = ClusterSecrets.Create("secured", 3);
        await using var cluster = await ClusterHarness.StartAsync(postgres, "secured_" + Guid.NewGuid().ToString("N")[..8], 3, secrets.ForNode);
        var node = cluster.Nodes[0];
        var members = cluster.Nodes.Select(n => n.ClusterAddress).Order().ToList();

        // HTTP: 401 without or with a wrong key, 403 with the wrong role, 200 with the right one.
        using var anonymous = secrets.Http(null);
        using var reader = secrets.Http(secrets.ReadKey);
        using var ingester = secrets.Http(secrets.IngestKey);
        using var admin = secrets.Http(secrets.AdminKey);
        using var wrong = secrets.Http("not-a-key");
        const string cashIn = """{"id":"sec-1","account":"S1","type":"CASH_IN","amount":"500.00","currency":"EUR"}""";
        var noKey = await anonymous.GetAsync($"{node.HttpBase}/accounts/S1");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Contains("\"reason\"", await noKey.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync($"{node.HttpBase}/accounts/S1")).StatusCode);
        var readPost = await reader.PostAsync($"{node.HttpBase}/transactions", new StringContent(cashIn + "\n", Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Forbidden, readPost.StatusCode);
        Assert.Contains("needs role ingest", await readPost.Content.ReadAsStringAsync());
        var ingested = await ingester.PostAsync($"{node.HttpBase}/transactions", new StringContent(cashIn + "\n", Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, ingested.StatusCode);
        Assert.Contains("\"status\":\"Approved\"", await ingested.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await ingester.GetAsync($"{node.HttpBase}/accounts/S1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync($"{node.HttpBase}/rules")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"{node.HttpBase}/rules")).StatusCode);

        // Ids with control/format characters: rejected with field and reason over HTTP and through the ask API.
        var badHttp = await ingester.PostAsync($"{node.HttpBase}/transactions", new StringContent(
            """{"id":"sec-2","account":"S\u202E1","type":"CASH_IN","amount":"1.00","currency":"EUR"}""" + "\n", Encoding.UTF8, "application/x-ndjson"));
        var badLine = JsonDocument.Parse((await badHttp.Content.ReadAsStringAsync()).Trim().Split('\n')[0]).RootElement;
        Assert.Equal("Rejected", badLine.GetProperty("status").GetString());
        Assert.StartsWith("accountId: contains an invisible format character U+202E", badLine.GetProperty("reason").GetString());
        await using (var client = await TestClient.ConnectAsync(cluster.Seeds, TimeSpan.FromSeconds(20), secrets.ClientTls()))
        {
            var outcome = await client.Client.SubmitAsync(new TransactionRequest("sec\u200B3", "S1", TransactionType.CashIn, 100, "EUR", null, 0));
            Assert.Equal(TransactionStatus.Rejected, outcome.Status);
            Assert.StartsWith("transactionId: contains an invisible format character U+200B", outcome.Reason);
        }

        var ledgerBefore = await AccountAsync(reader, node, "S1");
        Assert.Equal(50_000, ledgerBefore.GetProperty("balanceMinor").GetInt64());

        // A rule change by the admin: applied, with the true number of nodes, and audited with its author.
        var change = await admin.PostAsync($"{node.HttpBase}/rules/transfer-amount-limit/disable", null);
        var changeBody = await change.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(change.IsSuccessStatusCode, changeBody.ToString());
        Assert.True(changeBody.GetProperty("applied").GetBoolean());
        Assert.Equal(3, changeBody.GetProperty("nodes").GetInt32());
        Assert.Equal(3, changeBody.GetProperty("appliedOn").GetInt32());
        var audit = await admin.GetStringAsync($"{cluster.Nodes[1].HttpBase}/rules/audit");
        var entry = JsonDocument.Parse(audit.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("key:admin", entry.GetProperty("author").GetString());
        Assert.Equal("disable", entry.GetProperty("action").GetString());
        Assert.Equal("transfer-amount-limit", entry.GetProperty("rule").GetString());
        Assert.Equal(3, entry.GetProperty("appliedOn").GetInt32());
        Assert.True(entry.GetProperty("toVersion").GetInt64() > entry.GetProperty("fromVersion").GetInt64());
        Assert.StartsWith("cert:CN=paymentactors-node", entry.GetProperty("signer").GetString());

        // A rule change through the ask API (the rules verb): signed with the client certificate's key, audited as its
        // verified subject; the audit reads the same through the verb and HTTP.
        var cliPut = await ProcessRunner.CliAsIs(["rules", "put",
            """{"id":"secured-cap","kind":"amountLimit","types":["PAYMENT"],"comparison":"gt","limit":50000000,"action":"flag"}""",
            "--contact", cluster.Nodes[2].Address, .. secrets.ClientTlsArgs]);
        Assert.True(cliPut.ExitCode == 0, cliPut.Stdout + cliPut.Stderr);
        Assert.Contains("in force on 3 of 3 nodes", cliPut.Stderr);
        var cliAudit = await ProcessRunner.CliAsIs(["rules", "audit", "--contact", node.Address, .. secrets.ClientTlsArgs]);
        Assert.True(cliAudit.ExitCode == 0, cliAudit.Stdout + cliAudit.Stderr);
        var cliEntry = JsonDocument.Parse(cliAudit.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("cert:CN=paymentactors-client", cliEntry.GetProperty("author").GetString());
        Assert.Equal("cert:CN=paymentactors-client", cliEntry.GetProperty("signer").GetString());
        Assert.Equal("secured-cap", cliEntry.GetProperty("rule").GetString());
        Assert.Equal(cliAudit.Stdout, await admin.GetStringAsync($"{cluster.Nodes[2].HttpBase}/rules/audit"));

        // A client verb without a certificate fails with a clear error, with and without --insecure.
        var noCert = await ProcessRunner.CliAsIs("status", "--contact", node.Address);
        Assert.Equal(2, noCert.ExitCode);
        Assert.Contains("--tls-cert, --tls-key, --tls-ca: required", noCert.Stderr);
        // Plain TCP never reaches the receptionist: the nodes speak TLS only, so the handshake fails before any message.
        var plain = await ProcessRunner.CliAsIs("status", "--contact", node.Address, "--insecure");
        Assert.Equal(1, plain.ExitCode);
        Assert.Contains("--contact: no contact answered", plain.Stderr);
        Assert.Equal("", plain.Stdout);
        // A certificate from another CA is refused at the handshake too.
        var foreignClient = ClusterSecrets.Create("foreign-client", 1);
        var otherCaClient = await ProcessRunner.CliAsIs(["status", "--contact", node.Address, .. foreignClient.ClientTlsArgs]);
        Assert.NotEqual(0, otherCaClient.ExitCode);
        Assert.DoesNotContain("\"members\"", otherCaClient.Stdout);
        // With the cluster's client certificate: answered, through a dead first contact, and the client is no member.
        var withCert = await ProcessRunner.CliAsIs(["status", "--contact", $"{NodeProcess.AddressOf(Ports.FreeTcpPort())},{node.Address}", .. secrets.ClientTlsArgs]);
        Assert.True(withCert.ExitCode == 0, withCert.Stdout + withCert.Stderr);
        var shown = JsonDocument.Parse(withCert.Stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("members").EnumerateArray()
            .Select(m => m.GetProperty("address").GetString()!).Order().ToList();
        Assert.Equal(members, shown);

        // Intruders, all at once: no TLS; another CA; a valid certificate with the in-memory journal; with another database;
        // with another number of window projections (the windows would be counted twice or not at all).
        var foreign = ClusterSecrets.Create("foreign", 1);
        var otherDatabase = await postgres.CreateDatabaseAsync("other_" + Guid.NewGuid().ToString("N")[..8]);
        await using var insecure = Intruder("insecure", null, cluster.ConnectionString, []);
        await using var otherCa = Intruder("foreign-ca", foreign, cluster.ConnectionString, []);
        await using var memory = Intruder("memory", secrets, cluster.ConnectionString, ["--db", "memory"]);
        await using var otherDb = Intruder("other-db", secrets, otherDatabase, []);
        await using var otherPartitions = Intruder("other-partitions", secrets, cluster.ConnectionString, ["--window-partitions", "3"]);
        NodeProcess Intruder(string name, ClusterSecrets? s, string connection, IReadOnlyList<string> extra)
        {
            var intruder = new NodeProcess(name, Ports.FreeTcpPort(), Ports.FreeTcpPort(), cluster.Seeds, connection, cluster.LogDirectory)
            {
                Security = s?.ForNode(0) ?? NodeSecurity.Insecure,
                ExtraArguments = extra,
            };
            intruder.Start();
            return intruder;
        }

        // Incompatible nodes with valid certificates: refused at join, exit code 3, the reason in their log.
        Assert.Equal(3, await memory.WaitForExitAsync(Deadline));
        Assert.Contains("journal backend memory, the cluster uses postgres", memory.ReadLog());
        Assert.Equal(3, await otherDb.WaitForExitAsync(Deadline));
        Assert.Contains("another database", otherDb.ReadLog());
        Assert.Equal(3, await otherPartitions.WaitForExitAsync(Deadline));
        Assert.Contains("3 window partitions, the cluster uses 2", otherPartitions.ReadLog());

        // The other CA's node is refused at the TLS handshake (the cluster's nodes log why).
        await PollAsync(() => cluster.Nodes.Any(n => n.ReadLog().Contains($"does not chain to the cluster CA") && n.ReadLog().Contains("TLS: refused")),
            "a cluster node logs the refusal of the foreign certificate");
        // The plain-TCP node cannot complete a TLS handshake: a cluster node logs the failed handshake from it.
        await PollAsync(() => cluster.Nodes.Count(n => n.ReadLog().Contains("TLS handshake failed")) > 0, "a cluster node logs a failed handshake");
        // Akka stops a node whose outbound TLS handshake fails (TlsHandshakeFailureReason, exit code 79); the plain node retries outside.
        var otherCaExit = await otherCa.WaitForExitAsync(Deadline);
        Assert.True(otherCaExit is not null and not 0, $"the foreign-CA node stops with a non-zero exit code (got {otherCaExit})");
        Assert.True(insecure.IsRunning, "the plain-TCP node keeps retrying, outside the cluster");

        // Members and ledger unchanged, on every node; no intruder was ever a member.
        foreach (var n in cluster.Nodes)
        {
            var state = await n.ClusterAsync();
            Assert.NotNull(state);
            var seen = state.Value.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!).Order().ToList();
            Assert.Equal(members, seen);
            Assert.Equal(0, state.Value.GetProperty("unreachable").GetArrayLength());
        }

        foreach (var intruder in new[] { insecure, otherCa, memory, otherDb })
        {
            Assert.DoesNotContain(cluster.Nodes, n => n.ReadLog().Contains($"127.0.0.1:{intruder.Port}] is JOINING"));
            Assert.DoesNotContain(cluster.Nodes, n => n.ReadLog().Contains($"Leader is moving node [akka.ssl.tcp://payments@127.0.0.1:{intruder.Port}]"));
        }

        var ledgerAfter = await AccountAsync(reader, node, "S1");
        Assert.Equal(ledgerBefore.GetProperty("balanceMinor").GetInt64(), ledgerAfter.GetProperty("balanceMinor").GetInt64());
        Assert.Equal(ledgerBefore.GetProperty("version").GetInt64(), ledgerAfter.GetProperty("version").GetInt64());
    }

    private static async Task<JsonElement> AccountAsync(HttpClient http, NodeProcess node, string id) =>
        await http.GetFromJsonAsync<JsonElement>($"{node.HttpBase}/accounts/{id}");

    private static async Task PollAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(250);
        }
    }
}
