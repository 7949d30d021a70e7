using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Cli;

/// <summary><c>paymentactors node</c>: a cluster node that runs until SIGINT/SIGTERM, then leaves gracefully.</summary>
public static class NodeVerb
{
    public static async Task<int> RunAsync(string[] args)
    {
        var config = NodeSettingsBinder.BuildConfiguration(args);
        var settings = NodeSettingsBinder.Bind(config);
        using var nodeLock = SqliteNodeLock.Acquire(settings);
        var host = BuildHost(settings, RiskRulesHolder.None());
        await Console.Out.WriteLineAsync($"paymentactors node {settings.SelfAddress} db={settings.Database} {Describe(settings)}");
        await host.RunAsync();
        return 0;
    }

    public static IHost BuildHost(PaymentsNodeSettings settings, RiskRulesHolder risk) =>
        Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices(services =>
            {
                services.AddSingleton(settings);
                services.AddSingleton(risk);
                services.AddAkka(settings.SystemName, (builder, _) => builder.WithPaymentsNode(settings, risk));
            })
            .Build();

    private static string Describe(PaymentsNodeSettings settings) => settings.Database switch
    {
        DatabaseKind.Sqlite => $"file={settings.EffectiveConnectionString} durability={settings.SqliteDurability}",
        _ => "",
    };
}
