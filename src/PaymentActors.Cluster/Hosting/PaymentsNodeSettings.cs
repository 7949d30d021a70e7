using PaymentActors.Cluster.Accounts;

namespace PaymentActors.Cluster.Hosting;

public enum DatabaseKind
{
    Sqlite,
    Postgres,

    /// <summary>In-memory journal: tests and benchmarks only; nothing survives the process.</summary>
    Memory,
}

/// <summary>
/// How SQLite commits: <c>Normal</c> (WAL + synchronous=NORMAL) survives a process crash but may lose the
/// last commits on power loss or OS crash; <c>Full</c> survives power loss and commits ≈5× fewer times a second.
/// </summary>
public enum SqliteDurability
{
    Normal,
    Full,
}

/// <summary>Everything a node needs to start; bound from flags, environment variables and appsettings.json.</summary>
public sealed record PaymentsNodeSettings
{
    public const string DefaultSystemName = "payments";

    public string SystemName { get; init; } = DefaultSystemName;
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4053;

    /// <summary>Seed node addresses (akka.tcp://payments@host:port). Empty: the node joins itself.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    public IReadOnlyList<string> Roles { get; init; } = [];
    public DatabaseKind Database { get; init; } = DatabaseKind.Sqlite;

    /// <summary>Connection string; for SQLite defaults to <c>Data Source={DataDirectory}/payments.db</c>.</summary>
    public string? ConnectionString { get; init; }

    public string DataDirectory { get; init; } = "data";
    public SqliteDurability SqliteDurability { get; init; } = SqliteDurability.Normal;
    public int ShardCount { get; init; } = AccountMessageExtractor.DefaultShardCount;
    public AccountActorSettings Accounts { get; init; } = AccountActorSettings.Default;

    /// <summary>How often a payer's transfer watch asks the payer to settle what it still has pending (see <c>TransferWatchActor</c>).</summary>
    public TimeSpan TransferWatchInterval { get; init; } = TimeSpan.FromSeconds(5);

    public Analytics.WindowSettings Windows { get; init; } = Analytics.WindowSettings.Default;

    /// <summary>Window results per query answer: a remote answer must fit a remoting frame.</summary>
    public int MaxWindowResultsPerQuery { get; init; } = Analytics.WindowCollectorActor.DefaultMaxResults;

    /// <summary>JSON Lines output of final window results (null: none); the SQL table is always written.</summary>
    public string? WindowResultsFile { get; init; }

    /// <summary>JSON Lines output of alerts (null: none); the alert collector's journal always keeps them.</summary>
    public string? AlertsFile { get; init; }

    /// <summary>Extra HOCON (highest priority), e.g. from <c>--config FILE</c>.</summary>
    public string? ExtraHocon { get; init; }

    /// <summary>Mutual TLS on remoting (null: plain TCP, only with an explicit --insecure or in the loopback-only demo).</summary>
    public Security.ClusterTls? Tls { get; init; }

    /// <summary>
    /// The cluster identity to present at the join handshake instead of the one stored in the journal's database.
    /// Only for in-process test clusters on the in-memory journal, whose nodes have no shared database to hold one.
    /// </summary>
    public string? ClusterIdentityOverride { get; init; }

    /// <summary>Filled in when the join handshake finds this node incompatible with its seeds' cluster (the host exits non-zero).</summary>
    public Security.JoinRefusal JoinRefusal { get; init; } = new();

    public string SelfAddress => $"{Security.ClusterTls.Scheme(Tls is not null)}://{SystemName}@{Host}:{Port}";

    public string EffectiveConnectionString => ConnectionString ?? Database switch
    {
        DatabaseKind.Sqlite => $"Data Source={Path.Combine(DataDirectory, "payments.db")}",
        _ => "",
    };
}
