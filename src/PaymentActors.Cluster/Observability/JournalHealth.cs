using System.Data.Common;

namespace PaymentActors.Cluster.Observability;

/// <summary>
/// Whether the journal's database answers, for the node's readiness check. Two inputs: an active probe (open a
/// connection, run <c>SELECT 1</c>) run when readiness is asked, and reports fed by whoever sees the journal
/// fail or recover (persistence failures, supervisors): a failure reported within <see cref="ReportValidity"/>
/// makes the node not ready even if the probe happens to pass.
/// </summary>
public sealed class JournalHealth(Func<DbConnection>? connect)
{
    public static readonly TimeSpan ReportValidity = TimeSpan.FromSeconds(10);

    private (long AtMs, string Reason)? _lastFailure;

    /// <summary>The journal failed (an write or read error, a timeout): not ready for a while.</summary>
    public void ReportFailure(string reason) => _lastFailure = (Environment.TickCount64, reason);

    /// <summary>The journal works again: forget a reported failure.</summary>
    public void ReportRecovered() => _lastFailure = null;

    /// <summary>null when the journal answers, else why not.</summary>
    public async Task<string?> CheckAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_lastFailure is { } failure && Environment.TickCount64 - failure.AtMs < ReportValidity.TotalMilliseconds)
        {
            return "journal: failure reported " + failure.Reason;
        }

        if (connect is null)
        {
            return null; // the in-memory journal always answers
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await using var connection = connect();
            await connection.OpenAsync(cts.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cts.Token);
            return null;
        }
        catch (Exception e) when (e is DbException or OperationCanceledException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return $"journal: the database did not answer within {timeout.TotalSeconds:0} s ({e.GetType().Name}: {e.Message})";
        }
    }
}
