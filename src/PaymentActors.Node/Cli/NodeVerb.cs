using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Node.Hosting;
using PaymentActors.Node.Http;
using PaymentActors.Node.Security;

namespace PaymentActors.Node.Cli;

/// <summary><c>paymentactors node</c>: a cluster node that runs until SIGINT/SIGTERM, then leaves gracefully.</summary>
public static class NodeVerb
{
    public static async Task<int> RunAsync(string[] args)
    {
        var config = NodeSettingsBinder.BuildConfiguration(args);
        var security = SecuritySettings.ForNode(config, args);
        var settings = NodeSettingsBinder.Bind(config) with { Tls = security.Tls };
        var httpPort = NodeSettingsBinder.ParseInt(config["HttpPort"], "http-port", 8080);
        using var nodeLock = SqliteNodeLock.Acquire(settings);
        var maxIngest = NodeSettingsBinder.ParseInt(config["MaxIngestRequests"], "max-ingest-requests", 4);
        var app = BuildApp(settings, new RiskRulesHolder(RiskRulesFile.Load(config["Rules"])), httpPort, maxIngest, security);
        await Console.Out.WriteLineAsync($"paymentactors node {settings.SelfAddress} http={HttpScheme(settings)}://{settings.Host}:{httpPort} db={settings.Database} {Describe(settings)}"
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
        await app.RunAsync();
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
    public static WebApplication BuildApp(PaymentsNodeSettings settings, RiskRulesHolder risk, int httpPort, int maxIngestRequests = 4, SecuritySettings? security = null)
    {
        security ??= new SecuritySettings(true, null, null, null, null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        var scheme = HttpScheme(settings);
        builder.WebHost.UseUrls(httpPort > 0 ? [$"{scheme}://{settings.Host}:{httpPort}"] : []);
        if (httpPort == 0)
        {
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, $"{scheme}://127.0.0.1:0");
        }

        builder.AddPaymentsSecurity(security);

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(risk);
        var nodeWindows = new NodeWindows();
        builder.Services.AddSingleton(nodeWindows);
        builder.Services.AddSingleton(new IngestGate(maxIngestRequests));
        var locality = new ShardLocality(settings.ShardCount);
        builder.Services.AddSingleton(locality);
        builder.Services.AddAkka(settings.SystemName, (akka, _) => akka.WithPaymentsNode(settings, risk, nodeWindows)
            .WithActors((system, registry) => system.ActorOf(ShardLocalityRefresher.Props(registry.Get<AccountRegion>(), locality), "shard-locality")));
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
