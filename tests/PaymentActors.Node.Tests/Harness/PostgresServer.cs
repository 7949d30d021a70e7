namespace PaymentActors.Node.Tests.Harness;

/// <summary>A throwaway PostgreSQL server on 127.0.0.1 (Debian's packages), started by scripts/pg-up.sh.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-pg-" + Guid.NewGuid().ToString("N")[..8]);

    public string ConnectionString { get; private set; } = "";

    private int _port;

    public async Task InitializeAsync()
    {
        var port = _port = RepoPaths.FreeTcpPort();
        var result = await ProcessRunner.RunAsync("bash", [Path.Combine(RepoPaths.Root, "scripts", "pg-up.sh"), _directory, port.ToString()], TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not start (exit {result.ExitCode}): {result.Stderr}{result.Stdout}");
        }

        ConnectionString = result.Stdout.Trim().Split('\n')[^1];
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

    /// <summary>Stops the server and keeps its files (a journal outage); <see cref="RestartAsync"/> brings it back.</summary>
    public Task StopAsync() =>
        ProcessRunner.RunAsync("bash", [Path.Combine(RepoPaths.Root, "scripts", "pg-down.sh"), _directory], TimeSpan.FromMinutes(1));

    /// <summary>Starts the stopped server again, same port and data.</summary>
    public async Task RestartAsync()
    {
        var result = await ProcessRunner.RunAsync("bash", [Path.Combine(RepoPaths.Root, "scripts", "pg-up.sh"), _directory, _port.ToString()], TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not restart (exit {result.ExitCode}): {result.Stderr}{result.Stdout}");
        }
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
