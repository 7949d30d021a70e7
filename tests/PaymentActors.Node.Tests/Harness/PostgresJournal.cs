using Npgsql;
using PaymentActors.Domain.Accounts;
using PaymentActors.Protocol.Serialization;

namespace PaymentActors.Node.Tests.Harness;

/// <summary>What a cluster's PostgreSQL database holds, read directly: the accounts' events and the stored alerts.</summary>
public static class PostgresJournal
{
    /// <summary>Every account's events, by persistence id, in sequence order.</summary>
    public static async Task<Dictionary<string, List<IAccountEvent>>> ReadAccountEventsAsync(string connectionString)
    {
        var serializer = new PaymentsSerializer(null!);
        var events = new Dictionary<string, List<IAccountEvent>>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT persistence_id, manifest, message FROM journal
            WHERE persistence_id LIKE 'account-%' AND NOT deleted
            ORDER BY persistence_id, sequence_number
            """;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = reader.GetString(0);
            if (!events.TryGetValue(id, out var list))
            {
                events[id] = list = [];
            }

            list.Add((IAccountEvent)serializer.FromBinary((byte[])reader[2], reader.GetString(1)));
        }

        return events;
    }

    /// <summary>The transaction ids of the flagged and risk-declined decisions in the journal: each must be exactly one alert.</summary>
    public static async Task<HashSet<string>> AlertDecisionIdsAsync(string connectionString) =>
        (await ReadAccountEventsAsync(connectionString)).Values.SelectMany(e => e)
        .Select(e => e switch
        {
            TransactionApproved { Flagged: true } a => a.TransactionId,
            TransactionDeclined { Code: RejectCode.RiskDeclined } d => d.TransactionId,
            _ => null,
        })
        .OfType<string>()
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The transaction ids in the alert store (the <c>risk_alerts</c> table; unique by id); empty before it exists.</summary>
    public static async Task<List<string>> StoredAlertIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT transaction_id FROM risk_alerts";
        var ids = new List<string>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // no alert written yet
        }

        return ids;
    }

    /// <summary>
    /// Polls until the alert store holds exactly the journal's flagged and risk-declined decisions (or the deadline);
    /// returns both sets as last read.
    /// </summary>
    public static async Task<(HashSet<string> Decisions, List<string> Stored)> AwaitAlertsMatchJournalAsync(string connectionString, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var decisions = await AlertDecisionIdsAsync(connectionString);
            var stored = await StoredAlertIdsAsync(connectionString);
            if ((decisions.SetEquals(stored) && stored.Count == decisions.Count) || DateTime.UtcNow > deadline)
            {
                return (decisions, stored);
            }

            await Task.Delay(500);
        }
    }
}
