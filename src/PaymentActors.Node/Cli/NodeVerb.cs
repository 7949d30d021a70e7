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
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Node.Hosting;
using PaymentActors.Node.Http;

namespace PaymentActors.Node.Cli;

/// <summary><c>paymentactors node</c>: a cluster node that runs until SIGINT/SIGTERM, then leaves gracefully.</summary>
public static class NodeVerb
{
    public static async Task<int> RunAsync(string[] args)
    {
        var config = NodeSettingsBinder.BuildConfiguration(args);
        var settings = NodeSettingsBinder.Bind(config);
        var httpPort = NodeSettingsBinder.ParseInt(config["HttpPort"], "http-port", 8080);
        using var nodeLock = SqliteNodeLock.Acquire(settings);
        var maxIngest = NodeSettingsBinder.ParseInt(config["MaxIngestRequests"], "max-ingest-requests", 4);
        var limits = new IngestLimits(
            MaxBufferedBodyBytes: NodeSettingsBinder.ParseLong(config["MaxIngestBodyBytes"], "max-ingest-body-bytes", new IngestLimits().MaxBufferedBodyBytes),
            MaxStreamedBodyBytes: NodeSettingsBinder.ParseLong(config["MaxIngestStreamBytes"], "max-ingest-stream-bytes", new IngestLimits().MaxStreamedBodyBytes),
            MaxFutureSkew: TimeSpan.FromSeconds(NodeSettingsBinder.ParseLong(config["MaxFutureSkew"], "max-future-skew", (long)IngestionOptions.DefaultMaxFutureSkew.TotalSeconds)));
        var app = BuildApp(settings, new RiskRulesHolder(RiskRulesFile.Load(config["Rules"])), httpPort, maxIngest, limits);
        await Console.Out.WriteLineAsync($"paymentactors node {settings.SelfAddress} http=http://{settings.Host}:{httpPort} db={settings.Database} {Describe(settings)}");
        await app.RunAsync();
        return 0;
    }

    /// <summary>The node: Akka (cluster, sharding, persistence) plus the HTTP API on <paramref name="httpPort"/> (0 = none).</summary>
    public static WebApplication BuildApp(PaymentsNodeSettings settings, RiskRulesHolder risk, int httpPort, int maxIngestRequests = 4, IngestLimits? limits = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A client uploading or downloading slower than this (after the grace period) is cut: it cannot hold an ingest slot.
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(IngestLimits.MinBytesPerSecond, IngestLimits.MinRateGracePeriod);
            kestrel.Limits.MinResponseDataRate = new MinDataRate(IngestLimits.MinBytesPerSecond, IngestLimits.MinRateGracePeriod);
        });
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(httpPort > 0 ? [$"http://{settings.Host}:{httpPort}"] : []);
        if (httpPort == 0)
        {
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        }

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(risk);
        var nodeWindows = new NodeWindows();
        builder.Services.AddSingleton(nodeWindows);
        builder.Services.AddSingleton(new IngestGate(maxIngestRequests));
        builder.Services.AddSingleton(limits ?? new IngestLimits());
        var locality = new ShardLocality(settings.ShardCount);
        builder.Services.AddSingleton(locality);
        builder.Services.AddAkka(settings.SystemName, (akka, _) => akka.WithPaymentsNode(settings, risk, nodeWindows)
            .WithActors((system, registry) => system.ActorOf(ShardLocalityRefresher.Props(registry.Get<AccountRegion>(), locality), "shard-locality")));
        var app = builder.Build();
        HttpApi.Map(app);
        return app;
    }

    private static string Describe(PaymentsNodeSettings settings) => settings.Database switch
    {
        DatabaseKind.Sqlite => $"file={settings.EffectiveConnectionString} durability={settings.SqliteDurability}",
        _ => "",
    };
}
