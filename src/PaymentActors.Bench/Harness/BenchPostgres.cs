using Npgsql;

namespace PaymentActors.Bench.Harness;

/// <summary>
/// The PostgreSQL server of the cluster scenario: the one named by <c>PAYMENTS_BENCH_POSTGRES</c> (an Npgsql
/// connection string of a role that may create databases), or a throwaway server started by
/// <c>scripts/pg-up.sh</c> in a temporary directory on a free port and stopped (and deleted) on dispose.
/// Each phase gets a database of its own.
/// </summary>
public sealed class BenchPostgres : IAsyncDisposable
{
    public const string EnvironmentVariable = "PAYMENTS_BENCH_POSTGRES";

    private readonly Cleanup? _cleanup;

    private BenchPostgres(string connectionString, string description, string? directory = null, string? downScript = null)
    {
        ConnectionString = connectionString;
        Description = description;
        if (directory is not null && downScript is not null)
        {
            _cleanup = ChildProcesses.Register(() => Stop(downScript, directory));
        }
    }

    public string ConnectionString { get; }
    public string Description { get; }

    /// <summary>The server, or the reason there is none (no server binaries, no scripts beside the binaries).</summary>
    public static async Task<(BenchPostgres? Server, string? SkipReason)> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } external)
        {
            return (new BenchPostgres(external, $"{EnvironmentVariable} ({new NpgsqlConnectionStringBuilder(external).Host})"), null);
        }

        var up = ChildProcesses.FindAbove(Path.Combine("scripts", "pg-up.sh"));
        var down = ChildProcesses.FindAbove(Path.Combine("scripts", "pg-down.sh"));
        if (up is null || down is null)
        {
            return (null, $"scripts/pg-up.sh not found above the benchmark binaries; set {EnvironmentVariable}");
        }

        var directory = Path.Combine(Path.GetTempPath(), "paymentactors-bench-pg-" + Guid.NewGuid().ToString("N")[..8]);
        var port = ChildProcesses.FreeTcpPort();
        var result = await ChildProcesses.RunAsync("bash", [up, directory, port.ToString()], TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            TryDelete(directory);
            if (result.Stderr.Contains("binaries not found", StringComparison.Ordinal))
            {
                return (null, $"no PostgreSQL server binaries (apt-get install postgresql) and no {EnvironmentVariable}");
            }

            Stop(down, directory);
            throw new InvalidOperationException($"PostgreSQL did not start (exit {result.ExitCode}): {result.Stderr}{result.Stdout}");
        }

        var connection = result.Stdout.Trim().Split('\n')[^1].Trim();
        return (new BenchPostgres(connection, $"throwaway server on 127.0.0.1:{port}", directory, down), null);
    }

    /// <summary>A new empty database on this server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DropDatabaseAsync(string name)
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"warning: could not drop database {name}: {e.Message}");
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        _cleanup?.Run();

        return ValueTask.CompletedTask;
    }

    private static void Stop(string downScript, string directory)
    {
        try
        {
            ChildProcesses.RunAsync("bash", [downScript, directory], TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine($"warning: PostgreSQL in {directory} may still run: {e.Message}");
        }

        TryDelete(directory);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
