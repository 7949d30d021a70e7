using System.Data.Common;
using System.Text.Json;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>An audit entry as one JSON line (the <c>rules audit</c> verb and <c>GET /rules/audit</c> print these).</summary>
public static class RuleAuditJson
{
    public static string ToJson(RuleChangeAudited e)
    {
        JsonElement? rule = null;
        if (e.RuleJson.Length > 0)
        {
            using var document = JsonDocument.Parse(e.RuleJson);
            rule = document.RootElement.Clone();
        }

        return JsonSerializer.Serialize(new
        {
            at = DateTimeOffset.FromUnixTimeMilliseconds(e.AtMs).ToString("O"), author = e.Author, signer = e.Signer, action = e.Action, rule = e.RuleId,
            fromVersion = e.FromVersion, toVersion = e.ToVersion, appliedOn = e.AppliedOn, nodes = e.Nodes, definition = rule,
        });
    }
}

/// <summary>
/// Copies of the rule-change audit outside the journal (the journal, the rules singleton's own, is the record the
/// queries read): a <c>rules_audit</c> table in the journal's database, for SQL, and a JSON Lines file in the data
/// directory of the node that made the change.
/// </summary>
public sealed class RulesAuditLog(Func<DbConnection>? connect, bool postgres, string? jsonLinesFile)
{
    private bool _created;

    /// <summary>The table, created at first use (and, on PostgreSQL, before the node starts: <see cref="Hosting.PostgresSchema"/>).</summary>
    public static string CreateTable(bool postgres) => $"""
        CREATE TABLE IF NOT EXISTS rules_audit (
          id {(postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT")},
          at_ms BIGINT NOT NULL, author VARCHAR(256) NOT NULL, action VARCHAR(16) NOT NULL, rule_id VARCHAR(64) NOT NULL,
          from_version BIGINT NOT NULL, to_version BIGINT NOT NULL, applied_on INTEGER NOT NULL, nodes INTEGER NOT NULL)
        """;

    public void Append(RuleChangeAudited entry)
    {
        if (jsonLinesFile is { Length: > 0 })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonLinesFile))!);
            File.AppendAllText(jsonLinesFile, RuleAuditJson.ToJson(entry) + "\n");
        }

        if (connect is null)
        {
            return;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO rules_audit (at_ms, author, action, rule_id, from_version, to_version, applied_on, nodes)
            VALUES (@at, @author, @action, @rule, @from, @to, @applied, @nodes)
            """;
        Add(command, "@at", entry.AtMs);
        Add(command, "@author", entry.Author);
        Add(command, "@action", entry.Action);
        Add(command, "@rule", entry.RuleId);
        Add(command, "@from", entry.FromVersion);
        Add(command, "@to", entry.ToVersion);
        Add(command, "@applied", entry.AppliedOn);
        Add(command, "@nodes", entry.Nodes);
        command.ExecuteNonQuery();
    }

    private DbConnection Open()
    {
        var connection = connect!();
        connection.Open();
        if (!_created)
        {
            using var create = connection.CreateCommand();
            create.CommandText = CreateTable(postgres);
            create.ExecuteNonQuery();
            _created = true;
        }

        return connection;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
