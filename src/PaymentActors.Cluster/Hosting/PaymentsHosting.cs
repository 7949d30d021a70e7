using System.Data;
using System.Data.Common;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Akka.Pattern;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using LinqToDB;
using Microsoft.Data.Sqlite;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Clients;
using PaymentActors.Cluster.Ledger;
using PaymentActors.Cluster.Observability;
using PaymentActors.Cluster.Risk;
using PaymentActors.Cluster.Security;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Accounts;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Serialization;
using SqlJournalOptions = Akka.Persistence.Sql.Hosting.SqlJournalOptions;
using SqlSnapshotOptions = Akka.Persistence.Sql.Hosting.SqlSnapshotOptions;

namespace PaymentActors.Cluster.Hosting;

/// <summary>Akka.Hosting wiring of a PaymentActors node: one call configures everything.</summary>
public static class PaymentsHosting
{
    public const string AccountTypeName = "account";

    /// <summary>One small remembered entity per payer with unsettled transfers (see <see cref="TransferWatchActor"/>).</summary>
    public const string TransferWatchTypeName = "transfer-watch";

    /// <summary>Every node hosting accounts has this role; client nodes do not, so they never host shards or count in downing decisions.</summary>
    public const string NodeRole = "payments";

    public const string ClientRole = "client";

    /// <summary>Binds every persisted and remote PaymentActors type to <see cref="PaymentsSerializer"/>.</summary>
    public static AkkaConfigurationBuilder WithPaymentsSerializer(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer("payments", PaymentsSerializer.BoundTypes, system => new PaymentsSerializer(system));

    /// <summary>Remoting, clustering, persistence, serializer and the account shard region.</summary>
    public static AkkaConfigurationBuilder WithPaymentsNode(this AkkaConfigurationBuilder builder, PaymentsNodeSettings settings, RiskRulesHolder risk) =>
        builder.WithPaymentsNode(settings, risk, new NodeWindows());

    /// <summary>As above, with the node's window stage handed in (hosts register it for their ingestion pipelines).</summary>
    public static AkkaConfigurationBuilder WithPaymentsNode(this AkkaConfigurationBuilder builder, PaymentsNodeSettings settings, RiskRulesHolder risk, NodeWindows nodeWindows)
    {
        if (settings.Database == DatabaseKind.Postgres && !string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            // Before anything touches the database: nodes starting together on an empty one must not race to create it.
            PostgresSchema.Create(settings.ConnectionString);
        }

        var compatibility = JoinCompatibility.Of(settings, settings.ClusterIdentityOverride ?? ClusterIdentity.ReadOrCreate(settings));
        var seeds = settings.Seeds.Select(s => ClusterTls.NormaliseAddress(s, settings.Tls is not null)).ToList();
        builder
            .AddHocon(LoadClusterConfig("base"), HoconAddMode.Append)
            .WithPaymentsSerializer()
            .WithRemoting(Remote(settings.Host, settings.Port, settings.Tls))
            .WithClustering(new ClusterOptions
            {
                Roles = settings.Roles.Append(NodeRole).Append(compatibility.Role).Distinct().ToArray(),
                // Seeds are joined by hand after the compatibility handshake (JoinGateActor), never automatically.
                SeedNodes = null,
                SplitBrainResolver = new KeepMajorityOption { Role = NodeRole },
            })
            .WithPaymentsPersistence(settings)
            .WithShardRegion<AccountRegion>(
                AccountTypeName,
                // Alerts reach the collector from the journal (it reads them); only the in-memory journal, which has no
                // query side, needs the accounts to tell it.
                (_, registry, _) =>
                {
                    // One Props for every account (each takes its id from its name), made on first use: the region is
                    // registered only once this factory has returned.
                    Props? props = null;
                    // The event-time bounds take the window stage's horizon, which exists once the stage has started.
                    return _ => props ??= AccountActor.PropsForEntities(registry.Get<AccountRegion>(),
                        settings.Accounts with { EventTime = new EventTimeBounds(settings.Windows.MaxFutureSkew, nodeWindows.Horizon) }, risk,
                        settings.Database == DatabaseKind.Memory && registry.TryGet<AlertCollector>(out var alerts) ? alerts : null, nodeWindows);
                },
                new AccountMessageExtractor(settings.ShardCount),
                new ShardOptions
                {
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = false,
                    ShouldPassivateIdleEntities = false,
                    Role = NodeRole,
                })
            // Same extractor and shard count as the accounts: a payer's watch has the payer's shard id. It remembers its
            // entities in the journal (event-sourced store): the coordinator's set of remembered shards and each shard's
            // set of watches survive a full cluster restart, which ddata (in memory, durable only with LMDB per node) would not.
            .WithShardRegion<TransferWatchRegion>(
                TransferWatchTypeName,
                (_, registry, _) => payerId => TransferWatchActor.Props(payerId, registry.Get<AccountRegion>(), settings.TransferWatchInterval),
                new AccountMessageExtractor(settings.ShardCount),
                new ShardOptions
                {
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = true,
                    RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                    Role = NodeRole,
                    // Its own journal and snapshot plugin (same database and tables): with the default one, the
                    // store's few writes and its start-up read queued behind thousands of account writes during a
                    // replay, missed sharding's 5 s timeouts, and the shards restarted in a loop.
                    JournalOptions = ShardingJournal(settings),
                    SnapshotOptions = ShardingSnapshots(settings),
                })
            .WithSingleton<WindowCollector>(
                "window-collector",
                (_, _, resolver) => Supervised(WindowCollectorActor.Props(WindowSinks(settings), maxResults: settings.MaxWindowResultsPerQuery,
                    sourceIdleTimeout: settings.Windows.SourceIdleTimeout), "window-collector"),
                new ClusterSingletonOptions { Role = NodeRole })
            .WithSingleton<AlertCollector>(
                "alert-collector",
                (system, _, _) => Supervised(AlertCollectorActor.Props(AlertSinks(settings),
                    ledger: settings.Database == DatabaseKind.Memory ? null : LedgerJournal.Sql(system)), "alert-collector"),
                new ClusterSingletonOptions { Role = NodeRole })
            .WithWindowProjections(settings)
            .WithSingleton<RiskRulesAdmin>("risk-rules", (_, _, _) => Supervised(RiskRulesAdminActor.Props(risk, new RulesAuditLog(SqlConnectionFactory(settings),
                settings.Database == DatabaseKind.Postgres, settings.AlertsFile is { Length: > 0 } alerts ? Path.Combine(Path.GetDirectoryName(alerts) ?? ".", "rules-audit.jsonl") : null), settings.Tls), "risk-rules"),
                new ClusterSingletonOptions { Role = NodeRole })
            .WithActors((system, registry, resolver) =>
            {
                nodeWindows.Start(system, registry.Get<WindowCollector>(), settings.Windows, fromLedger: settings.Database != DatabaseKind.Memory);
                system.ActorOf(RiskRulesSubscriber.Props(risk), "risk-rules-subscriber");
                system.ActorOf(LatencyReporterActor.Props(), LatencyReporterActor.Name);
            })
            // Clients outside the cluster (the CLI verbs, WithPaymentsClusterClient) reach the nodes through a receptionist
            // on every node and its one registered service, the client gateway. The receptionist speaks only over this
            // node's remoting: with TLS on, a client without a certificate from the cluster's CA never reaches it.
            .WithClusterClientReceptionist(role: NodeRole)
            .WithActors((system, registry, _) =>
            {
                var gateway = system.ActorOf(ClientGatewayActor.Props(registry.Get<AccountRegion>(), registry.Get<WindowCollector>(),
                    registry.Get<AlertCollector>(), registry.Get<RiskRulesAdmin>(), NodeRole,
                    // The same bounds as the node's ingestion: its max future skew and its window stage's horizon.
                    new EventTimeBounds(settings.Windows.MaxFutureSkew, nodeWindows.Horizon)), ClientGatewayActor.Name);
                registry.Register<ClientGateway>(gateway);
                ClusterClientReceptionist.Get(system).RegisterService(gateway);
            });

        builder.AddStartup((system, _) => system.ActorOf(JoinGateActor.Props(compatibility), JoinGateActor.Name));
        if (settings.Seeds.Count == 0)
        {
            // No seeds: a single node that forms its own cluster (works with port 0 too).
            builder.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
        }
        else
        {
            builder.AddStartup((system, _) => JoinAfterHandshakeAsync(system, seeds, compatibility, settings.JoinRefusal).Ignore());
        }

        if (!string.IsNullOrWhiteSpace(settings.ExtraHocon))
        {
            builder.AddHocon(ConfigurationFactory.ParseString(settings.ExtraHocon), HoconAddMode.Prepend);
        }

        return builder;
    }

    /// <summary>
    /// Window analytics from the durable ledger (not on the in-memory journal, which has no query side): the journal
    /// projections, one per partition, kept alive and spread over the nodes by Akka's sharded daemon process, each under
    /// a backoff supervisor (a database outage stops it; it starts again from its checkpoint). Started a few seconds
    /// after this node is Up: the daemon's keep-alive pings at once, and pings sent before the node has joined, or
    /// before its coordinator runs, wait in the region and are logged as warnings every 2 s.
    /// </summary>
    private static AkkaConfigurationBuilder WithWindowProjections(this AkkaConfigurationBuilder builder, PaymentsNodeSettings settings) =>
        settings.Database == DatabaseKind.Memory
            ? builder
            : builder.WithActors((system, registry, _) =>
            {
                var collector = registry.Get<WindowCollector>();
                var ledger = LedgerJournal.Sql(system);
                var journalEnd = SqlConnectionFactory(settings) is { } connect ? LedgerJournal.SqlEnd(connect) : null;
                var partitions = settings.Windows.Partitions;
                Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => system.Scheduler.Advanced.ScheduleOnce(WindowProjectionsStartDelay, () =>
                    ShardedDaemonProcess.Get(system).Init(
                        "window-projection",
                        partitions,
                        partition => Supervised(WindowProjectionActor.Props(partition, partitions, collector, ledger, settings.Windows, journalEnd),
                            "window-projection"),
                        ShardedDaemonProcessSettings.Create(system).WithRole(NodeRole),
                        PoisonPill.Instance)));
            });

    private static readonly TimeSpan WindowProjectionsStartDelay = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A persistent actor stops when its journal fails (a write, or its recovery), and a cluster singleton manager
    /// never starts a stopped singleton again: without this, a database outage ended the collectors for good. The
    /// backoff supervisor starts the child again after 0.5 s, doubling up to <see cref="MaxBackoff"/>, so the
    /// singleton is back within that time of the database. Messages that arrive while the child is down are dropped:
    /// every sender of a singleton resends until it is answered (window partials, rule changes, queries).
    /// </summary>
    public static Props Supervised(Props child, string name) =>
        BackoffSupervisor.Props(Backoff.OnStop(child, name, TimeSpan.FromMilliseconds(500), MaxBackoff, 0.2, maxNrOfRetries: -1)
            .WithAutoReset(TimeSpan.FromSeconds(10)));

    /// <summary>Longest pause before a stopped singleton is started again (well inside the 10 s recovery promise).</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);

    /// <summary>
    /// A client node: joins the cluster with the <see cref="ClientRole"/> role (never hosts accounts, never
    /// counts for split-brain decisions) and reaches the accounts through a shard region proxy, talking to the
    /// entities directly. For a process that lives as long as the cluster and wants no receptionist hop; joining and
    /// leaving take seconds each, so short-lived clients use <see cref="WithPaymentsClusterClient"/> instead.
    /// </summary>
    public static AkkaConfigurationBuilder WithPaymentsClient(this AkkaConfigurationBuilder builder, string host, int port, IReadOnlyList<string> contacts,
        int shardCount = AccountMessageExtractor.DefaultShardCount, ClusterTls? tls = null)
    {
        if (contacts.Count == 0)
        {
            throw new ArgumentException("contact: at least one akka.tcp://payments@HOST:PORT address is needed", nameof(contacts));
        }

        return builder
            .AddHocon(LoadClusterConfig("base"), HoconAddMode.Append)
            .WithPaymentsSerializer()
            .WithRemoting(Remote(host, port, tls))
            .WithClustering(new ClusterOptions
            {
                Roles = [ClientRole],
                SeedNodes = contacts.Select(c => ClusterTls.NormaliseAddress(c, tls is not null)).ToArray(),
                SplitBrainResolver = new KeepMajorityOption { Role = NodeRole },
            })
            .WithShardRegionProxy<AccountRegion>(AccountTypeName, NodeRole, new AccountMessageExtractor(shardCount))
            .WithSingletonProxy<WindowCollector>("window-collector", new ClusterSingletonOptions { Role = NodeRole })
            .WithSingletonProxy<AlertCollector>("alert-collector", new ClusterSingletonOptions { Role = NodeRole })
            .WithSingletonProxy<RiskRulesAdmin>("risk-rules", new ClusterSingletonOptions { Role = NodeRole });
    }

    /// <summary>
    /// A client outside the cluster (the CLI verbs): remoting only, no cluster membership. A
    /// <see cref="ClusterClient"/> asks every contact's receptionist at once and uses the first that answers, so a
    /// contact that is down costs nothing while another answers; requests go through <see cref="ClientGatewayFront"/>
    /// to the gateway of the node it is connected to. The front is registered under <see cref="ClientGateway"/>,
    /// <see cref="AccountRegion"/>, <see cref="WindowCollector"/>, <see cref="AlertCollector"/> and
    /// <see cref="RiskRulesAdmin"/>, so code that takes those from the registry (PaymentsClient, WindowsClient,
    /// RiskClient) works unchanged. Timing settings: cluster-config/cluster-client.hocon.
    /// </summary>
    public static AkkaConfigurationBuilder WithPaymentsClusterClient(this AkkaConfigurationBuilder builder, string host, int port, IReadOnlyList<string> contacts,
        ClusterTls? tls = null)
    {
        if (contacts.Count == 0)
        {
            throw new ArgumentException("contact: at least one akka.tcp://payments@HOST:PORT address is needed", nameof(contacts));
        }

        var receptionists = contacts.Select(c => ActorPath.Parse(ClusterTls.NormaliseAddress(c, tls is not null) + "/system/receptionist")).ToList();
        return builder
            .AddHocon(LoadClusterConfig("base"), HoconAddMode.Append)
            .AddHocon(LoadClusterConfig("cluster-client"), HoconAddMode.Prepend)
            // The client sends pub-sub envelopes to the receptionist: their serializer's bindings.
            .AddHocon(DistributedPubSub.DefaultConfig(), HoconAddMode.Append)
            .WithPaymentsSerializer()
            .WithRemoting(Remote(host, port, tls))
            .WithClusterClient<PaymentsClusterClient>(receptionists)
            .WithActors((system, registry, _) =>
            {
                var front = system.ActorOf(ClientGatewayFront.Props(registry.Get<PaymentsClusterClient>()), ClientGatewayFront.Name);
                registry.Register<ClientGateway>(front);
                registry.Register<AccountRegion>(front);
                registry.Register<WindowCollector>(front);
                registry.Register<AlertCollector>(front);
                registry.Register<RiskRulesAdmin>(front);
            });
    }

    /// <summary>Asks the seeds' join gates first; joins only when compatible (or when no seed answers: the first node).</summary>
    private static async Task JoinAfterHandshakeAsync(Akka.Actor.ActorSystem system, IReadOnlyList<string> seeds, JoinCompatibility compatibility, JoinRefusal refusal)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        string? refused;
        try
        {
            refused = await JoinGateActor.CheckSeedsAsync(system, seeds, cluster.SelfAddress.ToString(), compatibility, TimeSpan.FromSeconds(10));
        }
        catch (Exception e)
        {
            refused = "the compatibility handshake failed: " + e.Message;
        }

        if (refused is null)
        {
            cluster.JoinSeedNodes(seeds.Select(Akka.Actor.Address.Parse));
            return;
        }

        refusal.Refuse(refused);
        system.Log.Error("Join refused: {0}. This node ({1}) does not join and stops.", refused, compatibility.Describe());
        await Console.Error.WriteLineAsync($"error: join refused: {refused}");
        await Akka.Actor.CoordinatedShutdown.Get(system).Run(JoinRefusedReason.Instance);
    }

    /// <summary>Remoting on host:port, with mutual TLS when <paramref name="tls"/> is given.</summary>
    private static RemoteOptions Remote(string host, int port, ClusterTls? tls)
    {
        var options = new RemoteOptions { HostName = host, Port = port };
        return tls is null ? options : tls.Apply(options);
    }

    /// <summary>Alert outputs: JSON Lines in the data directory and a table in the journal's database.</summary>
    private static IReadOnlyList<IAlertSink> AlertSinks(PaymentsNodeSettings settings)
    {
        var sinks = new List<IAlertSink>();
        if (settings.AlertsFile is { Length: > 0 } file)
        {
            sinks.Add(new JsonLinesAlertSink(file));
        }

        if (SqlConnectionFactory(settings) is { } connect)
        {
            sinks.Add(new SqlAlertSink(connect, settings.Database == DatabaseKind.Postgres));
        }

        return sinks;
    }

    /// <summary>Connections to the journal's database for the result tables and health probes (none for the in-memory journal).</summary>
    public static Func<DbConnection>? SqlConnectionFactory(PaymentsNodeSettings settings)
    {
        var connectionString = settings.EffectiveConnectionString;
        return settings.Database switch
        {
            DatabaseKind.Sqlite => () => new SqliteConnection(connectionString),
            DatabaseKind.Postgres => () => new Npgsql.NpgsqlConnection(connectionString),
            _ => null,
        };
    }

    /// <summary>Window result outputs: JSON Lines in the data directory and a table in the journal's database.</summary>
    private static IReadOnlyList<IWindowResultSink> WindowSinks(PaymentsNodeSettings settings)
    {
        var sinks = new List<IWindowResultSink>();
        if (settings.WindowResultsFile is { Length: > 0 } file)
        {
            sinks.Add(new JsonLinesWindowSink(file));
        }

        if (SqlConnectionFactory(settings) is { } connect)
        {
            sinks.Add(new SqlWindowSink(connect, settings.Database == DatabaseKind.Postgres));
        }

        return sinks;
    }

    public static AkkaConfigurationBuilder WithPaymentsPersistence(this AkkaConfigurationBuilder builder, PaymentsNodeSettings settings)
    {
        switch (settings.Database)
        {
            case DatabaseKind.Memory:
                return builder.WithInMemoryJournal().WithInMemorySnapshotStore();

            case DatabaseKind.Sqlite:
            {
                PrepareSqliteFile(settings.EffectiveConnectionString);
                builder.AddHocon(LoadClusterConfig("sqlite"), HoconAddMode.Prepend);
                return builder.WithSqlPersistence(SqlJournal(settings, isDefault: true, "sql"), SqlSnapshots(settings, isDefault: true, "sql"))
                    .WithSqlPersistence(ShardingJournal(settings)!, ShardingSnapshots(settings)!)
                    .AddHocon(LoadClusterConfig("ledger-query"), HoconAddMode.Prepend)
                    .AddHocon(LoadClusterConfig("ledger-query-sqlite"), HoconAddMode.Prepend);
            }

            case DatabaseKind.Postgres:
            {
                if (string.IsNullOrWhiteSpace(settings.ConnectionString))
                {
                    throw new ArgumentException("connection: --db postgres needs --connection \"Host=…;Database=…;Username=…;Password=…\"");
                }

                builder.AddHocon(LoadClusterConfig("postgres"), HoconAddMode.Prepend);
                return builder.WithSqlPersistence(settings.ConnectionString, ProviderName.PostgreSQL15, autoInitialize: true)
                    .WithSqlPersistence(ShardingJournal(settings)!, ShardingSnapshots(settings)!)
                    .AddHocon(LoadClusterConfig("ledger-query"), HoconAddMode.Prepend)
                    .AddStartup((system, _) =>
                    {
                        // The default plugins create the tables the sharding plugin shares: start them now, not at first use.
                        var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
                        persistence.JournalFor(null);
                        persistence.SnapshotStoreFor(null);
                    });
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Database, "db: unknown database kind");
        }
    }

    /// <summary>The journal of the sharding stores (see the transfer-watch region); the default one for the in-memory journal.</summary>
    /// <remarks>
    /// Same tables as the default plugin: on PostgreSQL two plugins creating the same table at once fail (a unique
    /// violation in pg_type), so this one does not auto-initialize there; the tables are created before the node starts
    /// (<see cref="PostgresSchema"/>) and the default journal and snapshot store are started with the node
    /// (<see cref="WithPaymentsPersistence"/>). SQLite serialises the creation under its write lock, so both may create.
    /// </remarks>
    private static SqlJournalOptions? ShardingJournal(PaymentsNodeSettings settings)
    {
        if (settings.Database == DatabaseKind.Memory)
        {
            return null;
        }

        var options = SqlJournal(settings, isDefault: false, ShardingPluginId);
        options.AutoInitialize = settings.Database == DatabaseKind.Sqlite;
        return options;
    }

    private static SqlSnapshotOptions? ShardingSnapshots(PaymentsNodeSettings settings)
    {
        if (settings.Database == DatabaseKind.Memory)
        {
            return null;
        }

        var options = SqlSnapshots(settings, isDefault: false, ShardingPluginId);
        options.AutoInitialize = settings.Database == DatabaseKind.Sqlite;
        return options;
    }

    private const string ShardingPluginId = "sharding";

    private static SqlJournalOptions SqlJournal(PaymentsNodeSettings settings, bool isDefault, string id) => new(isDefault, id)
    {
        DataOptions = SqlDataOptions(settings),
        ConnectionString = settings.EffectiveConnectionString,
        ProviderName = SqlProvider(settings),
        AutoInitialize = true,
        // SQLite: reads must not take the write lock (BEGIN IMMEDIATE), or concurrent recoveries serialise.
        ReadIsolationLevel = settings.Database == DatabaseKind.Sqlite ? IsolationLevel.ReadUncommitted : IsolationLevel.ReadCommitted,
    };

    private static SqlSnapshotOptions SqlSnapshots(PaymentsNodeSettings settings, bool isDefault, string id) => new(isDefault, id)
    {
        DataOptions = SqlDataOptions(settings),
        ConnectionString = settings.EffectiveConnectionString,
        ProviderName = SqlProvider(settings),
        AutoInitialize = true,
        ReadIsolationLevel = settings.Database == DatabaseKind.Sqlite ? IsolationLevel.ReadUncommitted : IsolationLevel.ReadCommitted,
    };

    private static string SqlProvider(PaymentsNodeSettings settings) =>
        settings.Database == DatabaseKind.Sqlite ? ProviderName.SQLiteMS : ProviderName.PostgreSQL15;

    private static DataOptions SqlDataOptions(PaymentsNodeSettings settings)
    {
        var connectionString = settings.EffectiveConnectionString;
        if (settings.Database != DatabaseKind.Sqlite)
        {
            return new DataOptions().UseConnectionString(ProviderName.PostgreSQL15, connectionString);
        }

        var synchronous = settings.SqliteDurability == SqliteDurability.Full ? "FULL" : "NORMAL";
        // `synchronous` is per connection and not settable from HOCON or the connection string.
        return new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, connectionString)
            .UseAfterConnectionOpened(
                connection => SetPragmas(connection, synchronous),
                async (connection, _) =>
                {
                    // Microsoft.Data.Sqlite completes "async" calls synchronously, so the journal's
                    // write queue never sees a busy writer and commits once per request. Yielding here
                    // makes a write genuinely in flight, so requests arriving meanwhile are batched
                    // (up to batch-size rows) into the next transaction: group commit across accounts.
                    await Task.Yield();
                    SetPragmas(connection, synchronous);
                });
    }

    private static void SetPragmas(DbConnection connection, string synchronous)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=5000;";
        command.ExecuteNonQuery();
    }

    /// <summary>Creates the folder and switches the file to WAL (a property of the file, set once).</summary>
    private static void PrepareSqliteFile(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var file = builder.DataSource;
        if (string.IsNullOrEmpty(file) || file == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    /// <summary>Reads <c>cluster-config/NAME.hocon</c>, embedded in this assembly at build time.</summary>
    public static Config LoadClusterConfig(string name)
    {
        var resource = $"cluster-config.{name}.hocon";
        using var stream = typeof(PaymentsHosting).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"config: embedded resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

}
