using System.CommandLine;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Observability;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Node.Hosting;
using PaymentActors.Node.Http;
using PaymentActors.Node.Observability;
using PaymentActors.Node.Security;

namespace PaymentActors.Node.Cli;

/// <summary><c>paymentactors node</c>: a cluster node that runs until SIGINT/SIGTERM, then leaves gracefully.</summary>
public static class NodeVerb
{
    public static Command Command()
    {
        var command = new Command("node", "run a cluster node until stopped (Ctrl+C or SIGTERM: leaves the cluster gracefully)");
        List<SettingOption> settings = [.. SettingGroups.Node(command), .. SettingGroups.Logging(command), .. SettingGroups.NodeSecurity(command)];
        // The token System.CommandLine hands over is not tied to signals here (its own handling is off): use ours.
        command.SetAction((parse, _) =>
        {
            var configuration = NodeSettingsBinder.BuildConfiguration(parse, settings);
            var options = NodeSettingsBinder.BindOptions(configuration, new NodeOptionsValidator());
            var log = NodeLogOptions.From(configuration);
            return RunAsync(options, log, SecuritySettings.ForNode(configuration), ShutdownSignals.Stopping);
        });
        return command;
    }

    private static async Task<int> RunAsync(NodeOptions options, NodeLogOptions log, SecuritySettings security, CancellationToken cancel)
    {
        var settings = NodeSettingsBinder.ToNodeSettings(options) with { Tls = security.Tls };
        using var nodeLock = SqliteNodeLock.Acquire(settings);
        var app = BuildApp(settings, new RiskRulesHolder(RiskRulesFile.Load(options.Rules)), options.HttpPort, options.MaxIngestRequests, log,
            limits: new IngestLimits(MaxBufferedBodyBytes: options.MaxIngestBodyBytes, MaxStreamedBodyBytes: options.MaxIngestStreamBytes,
                MaxFutureSkew: TimeSpan.FromSeconds(options.MaxFutureSkew), DeliveryDeadline: TimeSpan.FromSeconds(options.IngestDeliveryDeadline)),
            security: security);
        await Console.Out.WriteLineAsync($"paymentactors node {settings.SelfAddress} http={HttpScheme(settings)}://{settings.Host}:{options.HttpPort} db={settings.Database} {Describe(settings)}"
                                         + (security.Insecure ? " INSECURE" : $" tls={settings.Tls!.Subject}"));
        // Read while the services are alive: why Akka stopped, if it stopped on its own (a fault) before the host.
        Akka.Actor.CoordinatedShutdown.Reason? reason = null;
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            try
            {
                reason = Akka.Actor.CoordinatedShutdown.Get(app.Services.GetRequiredService<Akka.Actor.ActorSystem>()).ShutdownReason;
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
            {
                // no actor system (it never started)
            }
        });
        await app.RunAsync(cancel);
        if (settings.JoinRefusal.Reason is { } refused)
        {
            await Console.Error.WriteLineAsync($"node stopped: join refused: {refused}");
            return 3;
        }

        // A node stopped by Akka for a fault (e.g. TlsHandshakeFailureReason: a peer refused our certificate) exits non-zero.
        if (reason is { ExitCode: not 0 })
        {
            await Console.Error.WriteLineAsync($"node stopped: {reason.GetType().Name} (exit code {reason.ExitCode}); see the log above");
            return reason.ExitCode;
        }

        return 0;
    }

    /// <summary>The node: Akka (cluster, sharding, persistence) plus the HTTP API on <paramref name="httpPort"/> (0 = none).</summary>
    public static WebApplication BuildApp(PaymentsNodeSettings settings, RiskRulesHolder risk, int httpPort, int maxIngestRequests = 4,
        NodeLogOptions? log = null, NodeWindows? nodeWindows = null, bool bindAnyPort = false, IngestLimits? limits = null, SecuritySettings? security = null)
    {
        log ??= NodeLogOptions.Default;
        // No security settings: an in-process node (demo, tests) that binds loopback only.
        security ??= new SecuritySettings(true, null, null, null, null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A client uploading or downloading slower than this (after the grace period) is cut: it cannot hold an ingest slot.
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(IngestLimits.MinBytesPerSecond, IngestLimits.MinRateGracePeriod);
            kestrel.Limits.MinResponseDataRate = new MinDataRate(IngestLimits.MinBytesPerSecond, IngestLimits.MinRateGracePeriod);
        });
        log.Apply(builder.Logging);
        var scheme = HttpScheme(settings);
        builder.WebHost.UseUrls(httpPort > 0 || bindAnyPort ? [$"{scheme}://{settings.Host}:{httpPort}"] : []);
        if (httpPort == 0 && !bindAnyPort)
        {
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, $"{scheme}://127.0.0.1:0");
        }

        // Ctrl+C and SIGTERM are handled by the CLI (Program.ShutdownSignals), which stops the host through the token.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        builder.AddPaymentsSecurity(security);

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(risk);
        nodeWindows ??= new NodeWindows();
        builder.Services.AddSingleton(nodeWindows);
        builder.Services.AddSingleton(new JournalHealth(PaymentsHosting.SqlConnectionFactory(settings)));
        builder.Services.AddNodeMetrics();
        builder.Services.AddNodeHealth();
        builder.Services.AddOpenApi();
        builder.Services.AddHostedService(services => new IdleMemoryTrim(services.GetRequiredService<ILogger<IdleMemoryTrim>>()));
        builder.Services.AddSingleton(new IngestGate(maxIngestRequests));
        builder.Services.AddSingleton(limits ?? new IngestLimits());
        var locality = new ShardLocality(settings.ShardCount);
        PaymentsMetrics.ObserveLocalShards(() => locality.Read().ShardsLocal);
        builder.Services.AddSingleton(locality);
        builder.Services.AddAkka(settings.SystemName, (akka, _) =>
        {
            log.Apply(akka);
            akka.WithPaymentsNode(settings, risk, nodeWindows)
            .WithActors((system, registry) => system.ActorOf(ShardLocalityRefresher.Props(registry.Get<AccountRegion>(), locality), "shard-locality"));
        });
        var app = builder.Build();
        var endpoints = app.SecuredEndpoints(security);
        HttpApi.Map(endpoints);
        RulesEndpoints.Map(endpoints);
        return app;
    }

    /// <summary>HTTPS with the node's certificate when remoting uses TLS.</summary>
    public static string HttpScheme(PaymentsNodeSettings settings) => settings.Tls is null ? "http" : "https";

    private static string Describe(PaymentsNodeSettings settings) => settings.Database switch
    {
        DatabaseKind.Sqlite => $"file={settings.EffectiveConnectionString} durability={settings.SqliteDurability}",
        _ => "",
    };
}
