using System.Text.Json;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Cluster.Security;
using PaymentActors.Domain.Risk;
using PaymentActors.Node.Tests.Harness;
using PaymentActors.Protocol.Risk;
using PaymentActors.Protocol.Serialization;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// Rule changes on a secured node (mutual TLS settings, SQLite journal), in process: only signed changes from a
/// certificate of the cluster's CA are applied, the author recorded is the verified one, and the audit is the rules
/// singleton's journal: it survives a restart and is exactly what the journal holds.
/// </summary>
public sealed class RuleChangeAuditTests
{
    private const string Cap = """{"id":"payment-cap","kind":"amountLimit","types":["PAYMENT"],"comparison":"gt","limit":10000,"action":"decline"}""";
    private const string OtherCap = """{"id":"cash-out-cap","kind":"amountLimit","types":["CASH_OUT"],"comparison":"gt","limit":10000,"action":"flag"}""";

    [Fact]
    public async Task Only_signed_changes_apply_the_audit_names_the_verified_author_and_it_survives_a_restart_matching_the_journal()
    {
        var secrets = ClusterSecrets.Create("audit", 1);
        var nodeTls = ClusterTls.Load(Path.Combine(secrets.Directory, "node0.pem"), Path.Combine(secrets.Directory, "node0-key.pem"), secrets.CaFile);
        var clientTls = secrets.ClientTls();
        var clientAuthor = RuleChangeSigning.AuthorOf(clientTls.Certificate);
        var data = Path.Combine(Path.GetTempPath(), "pa-audit-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new PaymentsNodeSettings
        {
            Port = 0, DataDirectory = data, Database = DatabaseKind.Sqlite, Tls = nodeTls, AlertsFile = Path.Combine(data, "alerts.jsonl"),
        };

        var first = RuleChangeSigning.Put(clientTls, Cap, clientAuthor);
        string auditBefore;
        await using (var node = await SingleNode.StartAsync(settings, new RiskRulesHolder(RuleSet.Default)))
        {
            var risk = await RiskAsync(node);

            // A client signs as itself; a node signs for the HTTP principal it authenticated.
            var put = await risk.ChangeAsync(first);
            Assert.True(put.Succeeded, put.Error);
            var disable = await risk.ChangeAsync(RuleChangeSigning.Disable(nodeTls, "payment-cap", "key:admin"));
            Assert.True(disable.Succeeded, disable.Error);

            // Refused, each with its reason, and nothing changes.
            await Refused(risk.ChangeAsync(RuleChangeSigning.Put(clientTls, OtherCap, "key:admin")), "author: 'key:admin' is not the signer");
            await Refused(risk.ChangeAsync(new PutRiskRule(OtherCap, clientAuthor)), "signature: missing");
            await Refused(risk.ChangeAsync(RuleChangeSigning.Put(clientTls, OtherCap, clientAuthor) with { RuleJson = Cap.Replace("10000", "99999999") }),
                "signature: does not match");
            await Refused(risk.ChangeAsync(first), "signature: nonce: used before");
            var stale = RuleChangeSigning.Put(clientTls, OtherCap, clientAuthor, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(20));
            await Refused(risk.ChangeAsync(stale), "signature: signed at");
            var foreign = ClusterSecrets.Create("audit-foreign", 1).ClientTls();
            await Refused(risk.ChangeAsync(RuleChangeSigning.Put(foreign, OtherCap, RuleChangeSigning.AuthorOf(foreign.Certificate))),
                "does not chain to the cluster CA");
            var rules = await risk.GetRulesAsync();
            Assert.DoesNotContain("cash-out-cap", rules.Json);
            Assert.DoesNotContain("99999999", rules.Json);

            auditBefore = (await risk.GetAuditAsync()).JsonLines;
            var entries = auditBefore.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(2, entries.Count);
            Assert.Equal(clientAuthor, entries[0].GetProperty("author").GetString());
            Assert.Equal("cert:CN=paymentactors-client", entries[0].GetProperty("author").GetString());
            Assert.Equal("put", entries[0].GetProperty("action").GetString());
            Assert.Equal(10000, entries[0].GetProperty("definition").GetProperty("Limit").GetInt64());
            Assert.Equal("key:admin", entries[1].GetProperty("author").GetString());
            Assert.Equal("cert:CN=paymentactors-node0", entries[1].GetProperty("signer").GetString());
            Assert.False(entries[1].GetProperty("definition").GetProperty("Enabled").GetBoolean());
            Assert.Equal(entries[0].GetProperty("toVersion").GetInt64(), entries[1].GetProperty("fromVersion").GetInt64());
        }

        await using (var node = await SingleNode.StartAsync(settings, new RiskRulesHolder(RuleSet.Default)))
        {
            var risk = await RiskAsync(node);
            var auditAfter = (await risk.GetAuditAsync()).JsonLines;
            Assert.Equal(auditBefore, auditAfter);

            // The audit is the journal: the same entries, in the same order, as the events persisted under the singleton's id.
            var journal = ReadJournal(settings);
            Assert.Equal(auditAfter, string.Concat(journal.Select(e => RuleAuditJson.ToJson(e) + "\n")));

            // A replay after the restart is still refused: the nonces come back with the journal.
            await Refused(risk.ChangeAsync(first), "signature: nonce: used before");
        }

        // The copies outside the journal: the JSON Lines file has the same two entries.
        Assert.Equal(auditBefore, await File.ReadAllTextAsync(Path.Combine(data, "rules-audit.jsonl")));
    }

    private static async Task<RiskClient> RiskAsync(SingleNode node) =>
        new(await node.Registry.GetAsync<RiskRulesAdmin>(), Akka.Actor.ActorRefs.Nobody, TimeSpan.FromSeconds(30));

    private static async Task Refused(Task<RiskRulesReply> change, string reason)
    {
        var reply = await change;
        Assert.False(reply.Succeeded, $"expected a refusal containing '{reason}'");
        Assert.Contains(reason, reply.Error);
    }

    private static List<RuleChangeAudited> ReadJournal(PaymentsNodeSettings settings)
    {
        using var connection = PaymentsHosting.SqlConnectionFactory(settings)!();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT manifest, message FROM journal WHERE persistence_id = @id ORDER BY sequence_number";
        var id = command.CreateParameter();
        id.ParameterName = "@id";
        id.Value = RiskRulesAdminActor.PersistenceIdValue;
        command.Parameters.Add(id);
        using var reader = command.ExecuteReader();
        var serializer = new PaymentsSerializer(null!);
        var events = new List<RuleChangeAudited>();
        while (reader.Read())
        {
            events.Add((RuleChangeAudited)serializer.FromBinary((byte[])reader["message"], reader.GetString(0)));
        }

        return events;
    }
}
