using System.Globalization;
using Npgsql;
using Xunit;

namespace PaymentActors.Testing;

/// <summary>
/// A throwaway PostgreSQL server on 127.0.0.1 on a free port (Debian's server binaries), started by
/// <c>scripts/pg-up.sh</c> in a temp directory and stopped by <c>scripts/pg-down.sh</c> on dispose, or when the
/// calling process exits or is signalled (<see cref="ChildProcesses"/>). The tests' collection fixture.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime, IAsyncDisposable
{
    private const string BinariesRoot = "/usr/lib/postgresql";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-pg-" + Guid.NewGuid().ToString("N")[..8]);
    private Cleanup? _stop;

    /// <summary>The server's own database (<c>payments</c>); tests use <see cref="CreateDatabaseAsync(string)"/>.</summary>
    public string ConnectionString { get; private set; } = "";

    public int Port { get; private set; }

    /// <summary>Whether Debian's PostgreSQL server binaries (<c>initdb</c>) are installed.</summary>
    public static bool BinariesInstalled() =>
        Directory.Exists(BinariesRoot) && Directory.GetDirectories(BinariesRoot).Any(v => File.Exists(Path.Combine(v, "bin", "initdb")));

    public async Task InitializeAsync()
    {
        if (!BinariesInstalled())
        {
            throw new InvalidOperationException(
                $"PostgreSQL server binaries not found (no {BinariesRoot}/*/bin/initdb): install Debian's postgresql package (scripts/test.sh does)");
        }

        Port = Ports.FreeTcpPort();
        var result = await ProcessRunner.RunAsync("bash", [Script("pg-up.sh"), _directory, Port.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            var log = ServerLogTail();
            Stop();
            throw new InvalidOperationException($"PostgreSQL did not start (scripts/pg-up.sh exit {result.ExitCode}): {result.Stderr}{result.Stdout}{log}");
        }

        ConnectionString = result.Stdout.Trim().Split('\n')[^1].Trim();
        _stop = ChildProcesses.Register(() =>
        {
            NpgsqlConnection.ClearAllPools();
            Stop();
        });
    }

    /// <summary>A fresh database on this server, so tests sharing the server do not share journals.</summary>
    public Task<string> CreateDatabaseAsync(string name) => CreateDatabaseAsync(ConnectionString, name);

    /// <summary>Creates database <paramref name="name"/> on the server of <paramref name="serverConnectionString"/>; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string serverConnectionString, string name)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops the server and keeps its files (a journal outage); <see cref="RestartAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        var result = await ProcessRunner.RunAsync("bash", [Script("pg-down.sh"), _directory], TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not stop (scripts/pg-down.sh exit {result.ExitCode}): {result.Stderr}{result.Stdout}");
        }
    }

    /// <summary>Crash-stops the server (<c>pg_ctl stop -m immediate</c>: no checkpoint, connections cut), keeping its files.</summary>
    public async Task StopImmediatelyAsync()
    {
        var result = await ProcessRunner.RunAsync("bash", [Script("pg-down.sh"), _directory, "immediate"], TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not stop (scripts/pg-down.sh exit {result.ExitCode}): {result.Stderr}{result.Stdout}");
        }
    }

    /// <summary>Starts the stopped server again, same port and data.</summary>
    public async Task RestartAsync()
    {
        var result = await ProcessRunner.RunAsync("bash", [Script("pg-up.sh"), _directory, Port.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not restart (scripts/pg-up.sh exit {result.ExitCode}): {result.Stderr}{result.Stdout}{ServerLogTail()}");
        }

        // The pooled connections of this process died with the old server: the next test sharing it must not get one.
        NpgsqlConnection.ClearAllPools();
    }

    public Task DisposeAsync() => _stop is null ? Task.CompletedTask : Task.Run(_stop.Run);

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    /// <summary>scripts/pg-down.sh, then the directory; best effort, never throws.</summary>
    private void Stop()
    {
        if (Directory.Exists(_directory))
        {
            try
            {
                var (exitCode, stdout, stderr) = ProcessRunner.RunAsync("bash", [Script("pg-down.sh"), _directory], TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
                if (exitCode != 0)
                {
                    Console.Error.WriteLine($"warning: scripts/pg-down.sh {_directory} exited {exitCode}: {stderr}{stdout}");
                }
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                Console.Error.WriteLine($"warning: scripts/pg-down.sh {_directory} failed: {e.Message}");
            }
        }

        try
        {
            Directory.Delete(_directory, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: a temp directory
        }
    }

    private string ServerLogTail()
    {
        var log = Path.Combine(_directory, "postgres.log");
        try
        {
            return File.Exists(log) ? "\n" + string.Join('\n', File.ReadLines(log).TakeLast(20)) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Script(string name) => Path.Combine(RepoPaths.Root, "scripts", name);
}
