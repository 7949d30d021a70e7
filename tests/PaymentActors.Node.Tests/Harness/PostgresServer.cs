namespace PaymentActors.Node.Tests.Harness;

/// <summary>A throwaway PostgreSQL server on 127.0.0.1 (Debian's packages), started by scripts/pg-up.sh.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-pg-" + Guid.NewGuid().ToString("N")[..8]);

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var port = RepoPaths.FreeTcpPort();
        var result = await ProcessRunner.RunAsync("bash", [Path.Combine(RepoPaths.Root, "scripts", "pg-up.sh"), _directory, port.ToString()], TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not start (exit {result.ExitCode}): {result.Stderr}{result.Stdout}");
        }

        ConnectionString = result.Stdout.Trim().Split('\n')[^1];
    }

    /// <summary>Crash-stops the server (<c>pg_ctl stop -m immediate</c>: no checkpoint, clients cut), keeping its files.</summary>
    public async Task StopImmediatelyAsync()
    {
        var pgCtl = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_ctl")).Where(File.Exists)
            .OrderBy(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : 0).Last();
        string[] stop = [pgCtl, "-D", Path.Combine(_directory, "pgdata"), "-m", "immediate", "-w", "stop"];
        // As scripts/pg-up.sh: the server runs as the postgres user when the tests run as root.
        var result = Environment.UserName == "root"
            ? await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", .. stop], TimeSpan.FromMinutes(1))
            : await ProcessRunner.RunAsync(stop[0], stop[1..], TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl stop failed (exit {result.ExitCode}): {result.Stderr}{result.Stdout}");
        }
    }

    /// <summary>Starts the stopped server again on the same port and files (crash recovery replays its WAL).</summary>
    public async Task StartAgainAsync()
    {
        var port = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Port;
        var result = await ProcessRunner.RunAsync("bash", [Path.Combine(RepoPaths.Root, "scripts", "pg-up.sh"), _directory, port.ToString()], TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not start again (exit {result.ExitCode}): {result.Stderr}{result.Stdout}");
        }
    }

    /// <summary>A fresh database on this server, so tests sharing the server do not share journals.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        await command.ExecuteNonQueryAsync();
        return new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [Path.Combine(RepoPaths.Root, "scripts", "pg-down.sh"), _directory], TimeSpan.FromMinutes(1));
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
