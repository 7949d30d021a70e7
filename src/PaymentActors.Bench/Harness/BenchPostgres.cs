using Npgsql;
using PaymentActors.Testing;

namespace PaymentActors.Bench.Harness;

/// <summary>
/// The PostgreSQL server a scenario measures against: the one named by <c>PAYMENTS_BENCH_POSTGRES</c> (a
/// connection string), else a throwaway <see cref="PostgresServer"/> when Debian's server binaries are
/// installed (stopped on dispose, at exit and on a signal), else none. Every run gets a fresh database.
/// </summary>
public sealed class BenchPostgres : IAsyncDisposable
{
    public const string EnvironmentVariable = "PAYMENTS_BENCH_POSTGRES";
    public const string Unavailable = "no PostgreSQL server (set " + EnvironmentVariable + " to a connection string, or install the PostgreSQL server binaries)";

    /// <summary>Tables a node and the limit measurement create, dropped when the server's role may not create databases.</summary>
    private static readonly string[] BenchTables = ["journal", "snapshot", "tags", "window_results", "risk_alerts", "bench_copy_limit"];

    private readonly PostgresServer? _throwaway;
    private readonly List<string> _databases = [];
    private bool _reusesConfiguredDatabase;

    private BenchPostgres(string connectionString, string origin, PostgresServer? throwaway)
    {
        ConnectionString = connectionString;
        Origin = origin;
        _throwaway = throwaway;
    }

    /// <summary>The server's connection string (its own database; runs use <see cref="FreshDatabaseAsync"/>).</summary>
    public string ConnectionString { get; }

    /// <summary>Where the server comes from, for the table.</summary>
    public string Origin { get; }

    /// <summary>The server to use, or null when there is none (the scenario then reports itself skipped).</summary>
    public static async Task<BenchPostgres?> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new BenchPostgres(configured, EnvironmentVariable, null);
        }

        if (!PostgresServer.BinariesInstalled())
        {
            return null;
        }

        var server = new PostgresServer();
        await server.InitializeAsync();
        return new BenchPostgres(server.ConnectionString, $"throwaway server on 127.0.0.1:{server.Port} (scripts/pg-up.sh)", server);
    }

    /// <summary>
    /// A connection string to an empty database for one run: a new database (dropped at the end on a
    /// configured server; a throwaway server is discarded whole), or, when the role may not create
    /// databases, the configured one with the tables a run creates dropped first.
    /// </summary>
    public async Task<string> FreshDatabaseAsync(string purpose)
    {
        // Lower case, letters, digits and '_' only: no quoting surprises; well under the 63-byte limit.
        var name = $"bench_{new string(purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(20).ToArray())}_{Guid.NewGuid().ToString("N")[..12]}";
        try
        {
            var created = await PostgresServer.CreateDatabaseAsync(ConnectionString, name);
            _databases.Add(name);
            return created;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            if (!_reusesConfiguredDatabase)
            {
                Console.Error.WriteLine($"note: the role may not create databases ({e.MessageText}); each run drops the benchmark's tables in the configured database instead");
                _reusesConfiguredDatabase = true;
            }

            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            await DropBenchTablesAsync(connection);
            return ConnectionString;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_throwaway is null)
        {
            await DropDatabasesAsync();
            return;
        }

        await _throwaway.DisposeAsync();
    }

    /// <summary>What this run created on a configured server: its databases, or its tables in the configured database.</summary>
    private async Task DropDatabasesAsync()
    {
        if (_databases.Count == 0 && !_reusesConfiguredDatabase)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            foreach (var name in _databases)
            {
                await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            }

            if (_reusesConfiguredDatabase)
            {
                await DropBenchTablesAsync(connection);
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            Console.Error.WriteLine($"warning: could not drop what the benchmark created ({string.Join(", ", _databases.Append("its tables"))}): {e.Message}");
        }
    }

    private static async Task DropBenchTablesAsync(NpgsqlConnection connection)
    {
        foreach (var table in BenchTables)
        {
            await ExecuteAsync(connection, $"DROP TABLE IF EXISTS \"{table}\" CASCADE");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
