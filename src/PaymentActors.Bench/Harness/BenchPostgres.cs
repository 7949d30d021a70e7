using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace PaymentActors.Bench.Harness;

/// <summary>
/// The PostgreSQL server a scenario measures against: the one named by <c>PAYMENTS_BENCH_POSTGRES</c> (a
/// connection string), else a throwaway server started with <c>scripts/pg-up.sh</c> in a temp directory on
/// a free port when Debian's server binaries are installed (stopped with <c>scripts/pg-down.sh</c> on
/// dispose, at exit and on a signal: <see cref="ChildProcesses"/>), else none. Every run gets a fresh database.
/// </summary>
public sealed class BenchPostgres : IAsyncDisposable
{
    public const string EnvironmentVariable = "PAYMENTS_BENCH_POSTGRES";
    public const string Unavailable = "no PostgreSQL server (set " + EnvironmentVariable + " to a connection string, or install the PostgreSQL server binaries)";

    /// <summary>Tables a node and the limit measurement create, dropped when the server's role may not create databases.</summary>
    private static readonly string[] BenchTables = ["journal", "snapshot", "tags", "window_results", "risk_alerts", "bench_copy_limit"];

    private readonly string? _directory;
    private readonly Cleanup? _stop;
    private readonly List<string> _databases = [];
    private bool _reusesConfiguredDatabase;

    private BenchPostgres(string connectionString, string origin, string? directory)
    {
        ConnectionString = connectionString;
        Origin = origin;
        _directory = directory;
        if (directory is not null)
        {
            // A throwaway server outlives this process unless stopped: stopped on dispose, and at exit or on a signal.
            _stop = ChildProcesses.Register(() =>
            {
                NpgsqlConnection.ClearAllPools();
                StopServer(directory);
            });
        }
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

        if (!ServerBinariesInstalled())
        {
            return null;
        }

        var up = BenchPaths.FindInRepository(Path.Combine("scripts", "pg-up.sh"))
                 ?? throw new FileNotFoundException("scripts/pg-up.sh not found above the benchmark binaries");
        var directory = Path.Combine(Path.GetTempPath(), "paymentactors-bench-pg-" + Guid.NewGuid().ToString("N")[..8]);
        var port = ChildProcesses.FreeTcpPort();
        var (exitCode, stdout, stderr) = await ChildProcesses.RunAsync("bash", [up, directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        if (exitCode != 0)
        {
            var log = ServerLogTail(directory);
            StopServer(directory);
            throw new InvalidOperationException($"PostgreSQL did not start (scripts/pg-up.sh exit {exitCode}): {stderr}{stdout}{log}");
        }

        var connectionString = stdout.Trim().Split('\n')[^1].Trim();
        return new BenchPostgres(connectionString, $"throwaway server on 127.0.0.1:{port} (scripts/pg-up.sh)", directory);
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
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        try
        {
            await ExecuteAsync(connection, $"CREATE DATABASE \"{name}\"");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            if (!_reusesConfiguredDatabase)
            {
                Console.Error.WriteLine($"note: the role may not create databases ({e.MessageText}); each run drops the benchmark's tables in the configured database instead");
                _reusesConfiguredDatabase = true;
            }

            await DropBenchTablesAsync(connection);
            return ConnectionString;
        }

        _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is null)
        {
            await DropDatabasesAsync();
            return;
        }

        await Task.Run(_stop!.Run);
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

    /// <summary>scripts/pg-down.sh, then the directory; best effort, never throws.</summary>
    private static void StopServer(string directory)
    {
        var down = BenchPaths.FindInRepository(Path.Combine("scripts", "pg-down.sh"));
        if (down is not null && Directory.Exists(directory))
        {
            try
            {
                var (exitCode, stdout, stderr) = ChildProcesses.RunAsync("bash", [down, directory], TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
                if (exitCode != 0)
                {
                    Console.Error.WriteLine($"warning: scripts/pg-down.sh {directory} exited {exitCode}: {stderr}{stdout}");
                }
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                Console.Error.WriteLine($"warning: scripts/pg-down.sh {directory} failed: {e.Message}");
            }
        }

        BenchPaths.TryDelete(directory);
    }

    private static bool ServerBinariesInstalled()
    {
        const string root = "/usr/lib/postgresql";
        return Directory.Exists(root) && Directory.GetDirectories(root).Any(v => File.Exists(Path.Combine(v, "bin", "initdb")));
    }

    private static string ServerLogTail(string directory)
    {
        var log = Path.Combine(directory, "postgres.log");
        try
        {
            return File.Exists(log) ? "\n" + string.Join('\n', File.ReadLines(log).TakeLast(20)) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
