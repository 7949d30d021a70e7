using System.Data.Common;
using System.Text.Json;

namespace PaymentActors.Cluster.Risk;

/// <summary>One rule change: who (certificate subject or API key name), when, the rule, the rule-set version before and after, and how far it got.</summary>
public sealed record RuleAuditEntry(DateTimeOffset At, string Author, string Action, string RuleId, long FromVersion, long ToVersion, int AppliedOn, int Nodes)
{
    public string ToJson() => JsonSerializer.Serialize(new
    {
        at = At.ToString("O"), author = Author, action = Action, rule = RuleId, fromVersion = FromVersion, toVersion = ToVersion,
        appliedOn = AppliedOn, nodes = Nodes,
    });
}

/// <summary>
/// The durable audit log of rule changes: a <c>rules_audit</c> table in the journal's database (read back by a new
/// rules singleton after fail-over) and a JSON Lines file in the data directory of the node that made the change.
/// </summary>
public sealed class RulesAuditLog(Func<DbConnection>? connect, bool postgres, string? jsonLinesFile)
{
    private bool _created;

    public void Append(RuleAuditEntry entry)
    {
        if (jsonLinesFile is { Length: > 0 })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonLinesFile))!);
            File.AppendAllText(jsonLinesFile, entry.ToJson() + "\n");
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
        Add(command, "@at", entry.At.ToUnixTimeMilliseconds());
        Add(command, "@author", entry.Author);
        Add(command, "@action", entry.Action);
        Add(command, "@rule", entry.RuleId);
        Add(command, "@from", entry.FromVersion);
        Add(command, "@to", entry.ToVersion);
        Add(command, "@applied", entry.AppliedOn);
        Add(command, "@nodes", entry.Nodes);
        command.ExecuteNonQuery();
    }

    /// <summary>The newest <paramref name="limit"/> entries, oldest first (empty without a database).</summary>
    public IReadOnlyList<RuleAuditEntry> Read(int limit)
    {
        if (connect is null)
        {
            return [];
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT at_ms, author, action, rule_id, from_version, to_version, applied_on, nodes FROM rules_audit ORDER BY id DESC LIMIT {Math.Clamp(limit, 1, 10_000)}";
        using var reader = command.ExecuteReader();
        var entries = new List<RuleAuditEntry>();
        while (reader.Read())
        {
            entries.Add(new RuleAuditEntry(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt32(6), reader.GetInt32(7)));
        }

        entries.Reverse();
        return entries;
    }

    private DbConnection Open()
    {
        var connection = connect!();
        connection.Open();
        if (!_created)
        {
            using var create = connection.CreateCommand();
            create.CommandText = $"""
                CREATE TABLE IF NOT EXISTS rules_audit (
                  id {(postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT")},
                  at_ms BIGINT NOT NULL, author VARCHAR(256) NOT NULL, action VARCHAR(16) NOT NULL, rule_id VARCHAR(64) NOT NULL,
                  from_version BIGINT NOT NULL, to_version BIGINT NOT NULL, applied_on INTEGER NOT NULL, nodes INTEGER NOT NULL)
                """;
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
